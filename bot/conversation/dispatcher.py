"""Routing one message: commands first (they work at every step), then the open dialogue, then
a fallback that says what the bot understands (aiogram's order)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.conversation import commands as cmd
from bot.conversation.engine import (
    advance,
    current_prompt,
    explain,
    go_back,
    open_dialogue_hint,
    start,
)
from bot.conversation.flows.appeal import APPEAL, appeal_answers
from bot.conversation.flows.declare import DECLARE, FAMILY, MEMBER
from bot.conversation.flows.declare_again import AGAIN, again_answers
from bot.conversation.flows.erase import ERASE, erase_answers
from bot.conversation.flows.family_menus import SWITCH, UNLINK, menu_entries, who
from bot.conversation.flows.transfer import enter_code, start_transfer
from bot.conversation.inbound import Inbound
from bot.conversation.paper import print_code
from bot.conversation.questions import answer_free_text
from bot.conversation.replies import code_reply
from bot.conversation.turn import Turn
from bot.services.declarations.declare_again import kept_for
from bot.services.errors import NotFound, ServiceError
from bot.services.family import claims
from bot.services.family import members as family
from bot.services.residents import accounts
from bot.texts import t

_MEDIA = {"image", "voice", "video", "shortvideo", "link", "unknown"}


async def respond(turn: Turn, inbound: Inbound) -> str | None:
    if inbound.kind == "event":
        return await _on_event(turn, inbound)
    if inbound.kind == "location":
        await _remember_position(turn, inbound)
        return t("dialogue.location", turn.lang)
    if inbound.kind in _MEDIA or inbound.text is None:
        return t("dialogue.media", turn.lang)
    code = cmd.transfer_code_in(inbound.text)
    if code is not None:
        return await _run(turn, lambda: enter_code(turn, code))
    command = cmd.command_of(inbound.text)
    if command is not None:
        return await run_command(turn, command)
    dialogue = await turn.store.get(turn.account_id, turn.rt.now())
    if dialogue is not None:
        return await advance(turn, dialogue, inbound.text)
    if await turn.store.lapsed(turn.account_id, turn.rt.now()):
        await turn.store.clear(turn.account_id)
        return t("dialogue.expired", turn.lang)
    # not a command and no dialogue open: a question for the FAQ ("截图的绿码能用吗")
    return await answer_free_text(turn, inbound.text)


async def _on_event(turn: Turn, inbound: Inbound) -> str | None:
    if inbound.event == "subscribe":
        region = turn.rt.region_info.service_name(turn.lang)
        return t("dialogue.welcome", turn.lang, region=region, help=_help(turn))
    if inbound.event == "click":
        command = cmd.command_of_menu_key(inbound.event_key)
        return await run_command(turn, command) if command else None
    if inbound.event == "location":
        await _remember_position(turn, inbound)
    # LOCATION reports, VIEW, unsubscribe and the like need no answer ("success").
    return None


async def _remember_position(turn: Turn, inbound: Inbound) -> None:
    if inbound.latitude is None or inbound.longitude is None:
        return
    await accounts.store_location(turn.rt, turn.account_id, inbound.latitude, inbound.longitude)
    turn.position = (inbound.latitude, inbound.longitude)


async def run_command(turn: Turn, command: str) -> str:
    return await _run(turn, lambda: _COMMANDS[command](turn))


async def _run(turn: Turn, command: Callable[[], Awaitable[str]]) -> str:
    try:
        return await command()
    except ServiceError as refusal:
        return explain(refusal, turn.lang)


async def _apply(turn: Turn) -> str:
    try:
        chosen = await accounts.current(turn.account_id)
    except NotFound:
        # the first declaration claims or makes the own record: counted, so said before asking
        await claims.check_claims(turn.rt, turn.account_id)
        return await start(turn, DECLARE)
    member = chosen.person.public_id if chosen.relation is not None else None
    if member is not None:
        await family.check_may_declare_for(turn.rt, turn.account_id, member)
    # declared before: the identity on record, and a two-message path when nothing changed
    kept = await kept_for(turn.rt, turn.account_id, member)
    if kept is not None:
        return await start(turn, AGAIN, again_answers(kept))
    if member is None:
        return await start(turn, DECLARE)
    return await start(turn, MEMBER, {"member": member})


async def _family(turn: Turn) -> str:
    await family.check_may_add(turn.account_id)
    await claims.check_claims(turn.rt, turn.account_id)
    return await start(turn, FAMILY)


async def _switch(turn: Turn) -> str:
    members = await family.family_of(turn.rt, turn.account_id)
    if not members:
        return t("family.not_registered", turn.lang)
    if len(members) == 1:
        return t("family.no_family", turn.lang)
    return await start(turn, SWITCH, {"options": menu_entries(members)})


async def _unlink(turn: Turn) -> str:
    members = (await family.family_of(turn.rt, turn.account_id))[1:]
    if not members:
        return t("family.no_family", turn.lang)
    return await start(turn, UNLINK, {"options": menu_entries(members)})


async def _show_code(turn: Turn) -> str:
    try:
        chosen, view = await accounts.show_current_code(
            turn.rt, turn.account_id, turn.lang, turn.event
        )
    except NotFound:
        return t("code.none_yet", turn.lang)
    entry = {"relation": chosen.relation}
    whose = t("family.whose_code", turn.lang, name=view.name_masked, who=who(entry, turn.lang))
    reply = whose + "\n" + code_reply(view, turn.lang)
    hint = open_dialogue_hint(await turn.store.get(turn.account_id, turn.rt.now()), turn.lang)
    return reply + "\n" + hint if hint else reply


async def _appeal(turn: Turn) -> str:
    return await start(turn, APPEAL, await appeal_answers(turn))


async def _erase(turn: Turn) -> str:
    return await start(turn, ERASE, await erase_answers(turn))


async def _cancel(turn: Turn) -> str:
    if await turn.store.get(turn.account_id, turn.rt.now()) is None:
        return t("dialogue.nothing_to_cancel", turn.lang)
    await turn.store.clear(turn.account_id)
    return t("dialogue.cancelled", turn.lang)


async def _back(turn: Turn) -> str:
    dialogue = await turn.store.get(turn.account_id, turn.rt.now())
    if dialogue is None:
        return t("dialogue.nothing_to_go_back", turn.lang)
    return await go_back(turn, dialogue)


async def _english(turn: Turn) -> str:
    return await _switch_language(turn, "en")


async def _chinese(turn: Turn) -> str:
    return await _switch_language(turn, "zh")


async def _switch_language(turn: Turn, lang: str) -> str:
    await accounts.set_language(turn.account_id, lang)
    turn.lang = lang
    reply = t("dialogue.language", lang)
    dialogue = await turn.store.get(turn.account_id, turn.rt.now())
    prompt = await current_prompt(turn, dialogue) if dialogue else None
    return f"{reply}\n\n{prompt}" if prompt else reply


async def _help_command(turn: Turn) -> str:
    return _help(turn)


def _help(turn: Turn) -> str:
    return t("dialogue.help", turn.lang, hotline=turn.rt.settings.hotline)


_COMMANDS = {
    cmd.APPLY: _apply,
    cmd.CODE: _show_code,
    cmd.FAMILY: _family,
    cmd.SWITCH: _switch,
    cmd.UNLINK: _unlink,
    cmd.APPEAL: _appeal,
    cmd.ERASE: _erase,
    cmd.TRANSFER: start_transfer,
    cmd.PRINT: print_code,
    cmd.CANCEL: _cancel,
    cmd.BACK: _back,
    cmd.ENGLISH: _english,
    cmd.CHINESE: _chinese,
    cmd.HELP: _help_command,
}
