"""Routing one message: commands first (they work at every step), then the open dialogue, then
a fallback that says what the bot understands (aiogram's order)."""

from __future__ import annotations

from bot.conversation import commands as cmd
from bot.conversation.engine import advance, current_prompt, start
from bot.conversation.flows.declare import DECLARE
from bot.conversation.inbound import Inbound
from bot.conversation.replies import code_reply
from bot.conversation.turn import Turn
from bot.services import accounts
from bot.services.errors import NotFound
from bot.texts import t

_MEDIA = {"image", "voice", "video", "shortvideo", "link", "unknown"}


async def respond(turn: Turn, inbound: Inbound) -> str | None:
    if inbound.kind == "event":
        return await _on_event(turn, inbound)
    if inbound.kind == "location":
        return t("dialogue.location", turn.lang)
    if inbound.kind in _MEDIA or inbound.text is None:
        return t("dialogue.media", turn.lang)
    command = cmd.command_of(inbound.text)
    if command is not None:
        return await run_command(turn, command, inbound.text)
    dialogue = await turn.store.get(turn.account_id, turn.rt.now())
    if dialogue is not None:
        return await advance(turn, dialogue, inbound.text)
    return t("dialogue.unknown", turn.lang)


async def _on_event(turn: Turn, inbound: Inbound) -> str | None:
    if inbound.event == "subscribe":
        return t("dialogue.welcome", turn.lang, help=_help(turn))
    if inbound.event == "click":
        command = cmd.command_of_menu_key(inbound.event_key)
        return await run_command(turn, command, inbound.event_key or "") if command else None
    # LOCATION reports, VIEW, unsubscribe and the like need no answer ("success").
    return None


async def run_command(turn: Turn, command: str, typed: str) -> str:
    if command == cmd.APPLY:
        return await start(turn, DECLARE)
    if command == cmd.CODE:
        return await _show_code(turn)
    if command == cmd.CANCEL:
        return await _cancel(turn)
    if command in (cmd.ENGLISH, cmd.CHINESE):
        return await _switch_language(turn, "en" if command == cmd.ENGLISH else "zh")
    if command == cmd.HELP:
        return _help(turn)
    return t("dialogue.not_yet", turn.lang, command=typed.strip())


async def _show_code(turn: Turn) -> str:
    try:
        view = await accounts.show_current_code(turn.rt, turn.account_id, turn.lang, turn.event)
    except NotFound:
        return t("code.none_yet", turn.lang)
    reply = code_reply(view, turn.lang)
    if await turn.store.get(turn.account_id, turn.rt.now()) is not None:
        reply += "\n" + t("dialogue.in_progress", turn.lang)
    return reply


async def _cancel(turn: Turn) -> str:
    if await turn.store.get(turn.account_id, turn.rt.now()) is None:
        return t("dialogue.nothing_to_cancel", turn.lang)
    await turn.store.clear(turn.account_id)
    return t("dialogue.cancelled", turn.lang)


async def _switch_language(turn: Turn, lang: str) -> str:
    await accounts.set_language(turn.account_id, lang)
    turn.lang = lang
    reply = t("dialogue.language", lang)
    dialogue = await turn.store.get(turn.account_id, turn.rt.now())
    prompt = await current_prompt(turn, dialogue) if dialogue else None
    return f"{reply}\n\n{prompt}" if prompt else reply


def _help(turn: Turn) -> str:
    return t("dialogue.help", turn.lang, hotline=turn.rt.settings.hotline)
