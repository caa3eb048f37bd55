"""注销: deleting the account and its records, after saying exactly what goes and what the law
keeps (docs/architecture.md). One step: the confirmation."""

from __future__ import annotations

from bot.conversation.flow import CANCEL, FINISH, Answers, Ask, Flow, Step
from bot.conversation.parsers import parse_choice
from bot.conversation.turn import Turn
from bot.services.residents.erasure import erase_account, erasure_plan
from bot.texts import t


async def erase_answers(turn: Turn) -> Answers:
    plan = await erasure_plan(turn.account_id)
    return {
        "members": plan.members,
        "kept_by_family": plan.kept_by_family,
        "days": turn.rt.settings.schedules.retention_days,
    }


def _confirm(ask: Ask, a: Answers) -> str:
    members = a["members"]
    also = t("erase.members", ask.lang, count=members) if members else ""
    # a record family members manage stays with them: the account goes, the record does not
    confirm = "erase.confirm_kept_by_family" if a.get("kept_by_family") else "erase.confirm"
    return t(confirm, ask.lang, members=also, days=a["days"])


async def _erase(turn: Turn, _a: Answers) -> str:
    erased = await erase_account(turn.rt, turn.account_id)
    if erased.kept_by_family:
        return t("erase.done_kept_by_family", turn.lang)
    if erased.kept_until is None:
        return t("erase.done", turn.lang)
    return t("erase.done_kept", turn.lang, date=erased.kept_until.isoformat())


ERASE = Flow(
    "erase",
    (
        Step(
            "confirm",
            _confirm,
            lambda raw, _ask, _a: parse_choice(raw, {"1": FINISH, "0": CANCEL}),
            lambda a: a["confirm"],
        ),
    ),
    _erase,
    hint="dialogue.in_progress.erase",
)
