"""申诉: the current person's appeal in two steps, the text and its confirmation (FAQ 14).

Whom the appeal is for is fixed when the flow starts (the account's own person, or the family
member switched to) and kept in the answers, so a 切换 in between does not redirect it.
"""

from __future__ import annotations

from bot.conversation.flow import CANCEL, FINISH, RESTART, Answers, Ask, Flow, Step, then
from bot.conversation.flows.family_menus import who
from bot.conversation.parsers import parse_choice
from bot.conversation.replies import color_words, local_time
from bot.conversation.turn import Turn
from bot.services.appeals.filing import (
    MAX_TEXT_LENGTH,
    check_may_appeal,
    file_appeal,
    parse_appeal_text,
)
from bot.services.codes.display import code_view
from bot.services.residents.accounts import current
from bot.texts import t


async def appeal_answers(turn: Turn) -> Answers:
    """Whom the appeal is for, or the refusal that explains why there is nobody yet."""
    chosen = await current(turn.account_id)
    person_id = chosen.person.public_id
    last = await check_may_appeal(turn.rt, turn.account_id, person_id)
    view = await code_view(turn.rt, chosen.person, turn.lang)
    answers: Answers = {
        "person": person_id,
        "name": view.name_masked,
        "relation": chosen.relation,
        "color": view.color.value,
    }
    if last is not None:
        answers["last"] = {
            "decision": last.decision,
            "reply": last.reply,
            "filed": local_time(last.filed),
            "resolved": local_time(last.resolved_at),
        }
    return answers


def _last_answer(ask: Ask, a: Answers) -> str:
    last = a.get("last")
    if not last:
        return ""
    decision = t(f"appeals.decision_{last['decision']}", ask.lang)
    answer = t(
        "appeals.last_answer",
        ask.lang,
        filed=last["filed"],
        resolved=last["resolved"],
        decision=decision,
        reply=last["reply"],
    )
    return answer + "\n\n"


def _ask_text(ask: Ask, a: Answers) -> str:
    return _last_answer(ask, a) + t(
        "appeals.ask_text",
        ask.lang,
        name=a["name"],
        who=who(a, ask.lang),
        color=color_words(a["color"], ask.lang),
        max=MAX_TEXT_LENGTH,
    )


def _confirm(ask: Ask, a: Answers) -> str:
    return t("appeals.confirm", ask.lang, name=a["name"], who=who(a, ask.lang), text=a["text"])


async def _file(turn: Turn, a: Answers) -> str:
    filed = await file_appeal(turn.rt, turn.account_id, a["person"], a["text"])
    return t("appeals.filed", turn.lang, id=filed.id, hotline=turn.rt.settings.hotline)


APPEAL = Flow(
    "appeal",
    (
        Step("text", _ask_text, lambda raw, _ask, _a: parse_appeal_text(raw), then("confirm")),
        Step(
            "confirm",
            _confirm,
            lambda raw, _ask, _a: parse_choice(raw, {"1": FINISH, "2": RESTART, "0": CANCEL}),
            lambda a: a["confirm"],
        ),
    ),
    _file,
    keep_on_restart=frozenset({"person", "name", "relation", "color", "last"}),
    hint="dialogue.in_progress.appeal",
)
