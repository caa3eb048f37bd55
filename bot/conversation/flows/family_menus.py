"""切换 and 解除代办: numbered menus of the people an account can act for.

The menu is taken when the flow starts and kept in the answers, so the numbers a person reads
are the numbers the next message is matched against.
"""

from __future__ import annotations

from bot.conversation.flow import CANCEL, FINISH, Answers, Ask, Flow, Step
from bot.conversation.parsers import parse_choice
from bot.conversation.replies import color_words
from bot.conversation.turn import Turn
from bot.services.family.members import Member, switch_to, unlink
from bot.texts import t


def menu_entries(members: list[Member]) -> list[dict]:
    return [
        {
            "id": m.person_id,
            "name": m.name_masked,
            "relation": m.relation,
            "color": m.color.value if m.color else None,
        }
        for m in members
    ]


def who(entry: dict, lang: str) -> str:
    relation = entry["relation"]
    return t(f"family.relation_{relation}", lang) if relation else t("family.self", lang)


def _color(entry: dict, lang: str) -> str:
    return color_words(entry["color"], lang) if entry["color"] else t("family.no_code", lang)


def _switch_menu(ask: Ask, a: Answers) -> str:
    lines = (
        t(
            "family.switch_line",
            ask.lang,
            number=n,
            name=e["name"],
            who=who(e, ask.lang),
            color=_color(e, ask.lang),
        )
        for n, e in enumerate(a["options"])
    )
    return t("family.switch_menu", ask.lang, choices="\n".join(lines))


def _unlink_menu(ask: Ask, a: Answers) -> str:
    lines = (
        t("family.unlink_line", ask.lang, number=n, name=e["name"], who=who(e, ask.lang))
        for n, e in enumerate(a["options"], start=1)
    )
    return t("family.unlink_menu", ask.lang, choices="\n".join(lines))


def _pick(first: int):
    def parse(raw: str, _ask: Ask, a: Answers) -> object:
        numbers = {str(n): n for n in range(first, first + len(a["options"]))}
        if first == 1:
            numbers["0"] = -1  # 0 cancels the removal menu
        return parse_choice(raw, numbers)

    return parse


async def _switched(turn: Turn, a: Answers) -> str:
    entry = a["options"][a["choice"]]
    await switch_to(turn.account_id, entry["id"] if entry["relation"] else None)
    return t("family.switched", turn.lang, name=entry["name"], who=who(entry, turn.lang))


async def _unlinked(turn: Turn, a: Answers) -> str:
    entry = a["options"][a["choice"] - 1]
    erased = await unlink(turn.rt, turn.account_id, entry["id"])
    said = "family.unlinked_erased" if erased else "family.unlinked"
    return t(said, turn.lang, name=entry["name"])


SWITCH = Flow(
    "switch",
    (Step("choice", _switch_menu, _pick(0), lambda _a: FINISH),),
    _switched,
    hint="dialogue.in_progress.switch",
)
UNLINK = Flow(
    "unlink",
    (Step("choice", _unlink_menu, _pick(1), lambda a: CANCEL if a["choice"] < 0 else FINISH),),
    _unlinked,
    hint="dialogue.in_progress.unlink",
)
