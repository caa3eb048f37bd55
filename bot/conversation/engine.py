"""Moving an account through a flow: start it, take one answer, re-ask or advance."""

from __future__ import annotations

from bot.conversation.flow import CANCEL, FINISH, RESTART, Answers, Flow, Step
from bot.conversation.flows import FLOWS
from bot.conversation.opening import ask_for, explain, start
from bot.conversation.questions import answer_within_step
from bot.conversation.store import Dialogue
from bot.conversation.turn import Turn
from bot.health.errors import InvalidInput
from bot.texts import t

__all__ = ["advance", "current_prompt", "explain", "go_back", "open_dialogue_hint", "start"]


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


async def go_back(turn: Turn, dialogue: Dialogue) -> str:
    """上一步: the question before this one, every answer kept (the one asked again is
    replaced when it is answered)."""
    flow = FLOWS.get(dialogue.flow)
    step = flow.step(dialogue.step) if flow else None
    if flow is None or step is None:
        await turn.store.clear(turn.account_id)
        return t("dialogue.lost", turn.lang)
    ask = ask_for(turn)
    previous = step_before(flow, step.name, dialogue.answers)
    if previous is None:
        await turn.store.set(turn.account_id, dialogue, turn.rt.now())
        return t("dialogue.back_at_first", turn.lang) + "\n\n" + step.prompt(ask, dialogue.answers)
    back = Dialogue(flow.name, previous.name, dialogue.answers)
    await turn.store.set(turn.account_id, back, turn.rt.now())
    return previous.prompt(ask, dialogue.answers)


def step_before(flow: Flow, name: str, answers: Answers) -> Step | None:
    """The step that led to ``name``: the path is walked again from the flow's first step
    through the answers given (a step's next one may depend on its answer, so the path is
    the answers' own). None at the first step, or at one no answer leads to (a flow opened
    part-way, at a step its opener chose)."""
    path: list[Step] = []
    step: Step | None = flow.first
    while step is not None and step.name != name and step.name in answers:
        if step in path:  # answers that loop: no way back through them
            return None
        path.append(step)
        step = flow.step(step.after(answers))
    return path[-1] if path and step is not None and step.name == name else None


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
