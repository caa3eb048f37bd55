"""Opening a flow and saying a refusal: what the engine and the flows that start one another
share (kept apart from the engine, which knows every flow by name)."""

from __future__ import annotations

from bot.conversation.flow import Answers, Ask, Flow
from bot.conversation.store import Dialogue
from bot.conversation.turn import Turn
from bot.health.errors import InvalidInput
from bot.texts import t


def ask_for(turn: Turn) -> Ask:
    today = turn.rt.now().astimezone(turn.rt.ruleset.tz).date()
    return Ask(today=today, region=turn.rt.region, lang=turn.lang, position=turn.position)


async def start(
    turn: Turn, flow: Flow, answers: Answers | None = None, at: str | None = None
) -> str:
    """Open ``flow`` at its first step (or the step named ``at``, when the answers already
    settle the ones before it); ``answers`` seeds what the flow knows in advance (whom a
    declaration is for, the choices of a menu)."""
    answers = answers or {}
    step = flow.step(at) if at else flow.first
    assert step is not None, f"{flow.name} has no step {at}"
    await turn.store.set(turn.account_id, Dialogue(flow.name, step.name, answers), turn.rt.now())
    return step.prompt(ask_for(turn), answers)


def explain(refusal: InvalidInput, lang: str) -> str:
    return t(refusal.code, lang, **refusal.params)
