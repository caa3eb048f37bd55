"""Moving an account through a flow: start it, take one answer, re-ask or advance."""

from __future__ import annotations

from bot.conversation.flow import CANCEL, FINISH, RESTART, Answers, Flow
from bot.conversation.flows import FLOWS
from bot.conversation.opening import ask_for, explain, start
from bot.conversation.questions import answer_within_step
from bot.conversation.store import Dialogue
from bot.conversation.turn import Turn
from bot.health.errors import InvalidInput
from bot.texts import t

__all__ = ["advance", "current_prompt", "explain", "open_dialogue_hint", "start"]


def open_dialogue_hint(dialogue: Dialogue | None, lang: str) -> str | None:
    """The line that names the dialogue left open, for a reply that is not part of it."""
    flow = FLOWS.get(dialogue.flow) if dialogue else None
    return t(flow.hint, lang) if flow and flow.hint else None


async def current_prompt(turn: Turn, dialogue: Dialogue) -> str | None:
    flow = FLOWS.get(dialogue.flow)
    step = flow.step(dialogue.step) if flow else None
    return step.prompt(ask_for(turn), dialogue.answers) if step else None


async def advance(turn: Turn, dialogue: Dialogue, text: str) -> str:
    flow = FLOWS.get(dialogue.flow)
    step = flow.step(dialogue.step) if flow else None
    if flow is None or step is None:  # a step renamed since the dialogue was saved
        await turn.store.clear(turn.account_id)
        return t("dialogue.lost", turn.lang)
    ask = ask_for(turn)
    try:
        value = step.parse(text, ask, dialogue.answers)
    except InvalidInput as refusal:
        # a wrong answer is activity too: the 30 idle minutes start again
        await turn.store.set(turn.account_id, dialogue, turn.rt.now())
        # a question asked instead of an answer gets its answer, and the step is asked again
        answered = await answer_within_step(turn, text)
        said = answered if answered is not None else explain(refusal, turn.lang)
        return said + "\n\n" + step.prompt(ask, dialogue.answers)
    answers: Answers = {**dialogue.answers, step.name: value}
    return await _go_to(turn, flow, step.after(answers), answers)


async def _go_to(turn: Turn, flow: Flow, target: str, answers: Answers) -> str:
    if target == FINISH:
        await turn.store.clear(turn.account_id)
        try:
            return await flow.finish(turn, answers)
        except InvalidInput as refusal:
            return explain(refusal, turn.lang)
    if target == CANCEL:
        await turn.store.clear(turn.account_id)
        return t("dialogue.cancelled", turn.lang)
    if target == RESTART:
        seeded = {k: v for k, v in answers.items() if k in flow.keep_on_restart}
        return t("declare.restart", turn.lang) + "\n\n" + await start(turn, flow, seeded)
    await turn.store.set(turn.account_id, Dialogue(flow.name, target, answers), turn.rt.now())
    next_step = flow.step(target)
    assert next_step is not None, f"{flow.name} has no step {target}"
    return next_step.prompt(ask_for(turn), answers)
