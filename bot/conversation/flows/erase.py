"""注销: deleting the account and its records, after saying exactly what goes and what the law
keeps (DESIGN.md §7). One step: the confirmation."""

from __future__ import annotations

from bot.conversation.flow import CANCEL, FINISH, Answers, Ask, Flow, Step
from bot.conversation.parsers import parse_choice
from bot.conversation.turn import Turn
from bot.services.erasure import erasable_members, erase_account
from bot.texts import t


async def erase_answers(turn: Turn) -> Answers:
    return {
        "members": await erasable_members(turn.account_id),
        "days": turn.rt.settings.schedules.retention_days,
    }


def _confirm(ask: Ask, a: Answers) -> str:
    members = a["members"]
    also = t("erase.members", ask.lang, count=members) if members else ""
    return t("erase.confirm", ask.lang, members=also, days=a["days"])


async def _erase(turn: Turn, _a: Answers) -> str:
    erased = await erase_account(turn.rt, turn.account_id)
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
)
