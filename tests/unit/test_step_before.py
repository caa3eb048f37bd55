"""``step_before``: the way back is the path the answers took, branches included."""

from __future__ import annotations

from bot.conversation.engine import step_before
from bot.conversation.flow import FINISH, Flow, Step, then


def _step(name: str, after) -> Step:
    return Step(name, lambda _ask, _a: name, lambda raw, _ask, _a: raw, after)


async def _finish(_turn, _answers) -> str:
    return ""


FLOW = Flow(
    "test",
    (
        _step("left", lambda a: "where" if a["left"] == "yes" else "symptoms"),
        _step("where", then("symptoms")),
        _step("symptoms", then("confirm")),
        _step("confirm", lambda _a: FINISH),
    ),
    _finish,
)


def name_before(step: str, answers: dict) -> str | None:
    found = step_before(FLOW, step, answers)
    return found.name if found else None


def test_back_follows_the_branch_taken() -> None:
    assert name_before("symptoms", {"left": "yes", "where": "北京"}) == "where"
    assert name_before("symptoms", {"left": "no"}) == "left"
    # an answer left over from the other branch does not change the way back
    assert name_before("symptoms", {"left": "no", "where": "北京"}) == "left"


def test_no_way_back_from_the_first_step_or_one_no_answer_leads_to() -> None:
    assert name_before("left", {}) is None
    assert name_before("left", {"left": "no"}) is None
    assert name_before("confirm", {"left": "no"}) is None  # symptoms was never answered
    assert name_before("where", {"left": "no"}) is None  # not on the path the answers took
