"""``打印码`` / ``print code``: a paper code for the person the account acts as
(docs/paper-code.md)."""

from __future__ import annotations

from bot.conversation.turn import Turn
from bot.services.codes import paper as paper_codes
from bot.texts import t


async def print_code(turn: Turn) -> str:
    printed = await paper_codes.print_code(turn.rt, turn.account_id, None, turn.lang)
    reply = t("paper.printed", turn.lang, name=printed.name_masked, url=printed.page_url)
    return reply + ("\n" + t("paper.revoked_earlier", turn.lang) if printed.revoked else "")
