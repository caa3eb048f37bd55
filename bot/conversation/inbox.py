"""One incoming message, handled once: the dedup check, the dialogue step, the service it
calls and the record of the reply are one unit of work, so a retry of the same message gets
the same reply and changes nothing, and a crash half-way leaves nothing half-written. A
replayed nonce (``bot.services.callbacks.replay``) raises ``Replayed`` before anything is done,
or, when it races its original, when the record is written, which undoes the whole unit."""

from __future__ import annotations

import logging

from tortoise.exceptions import IntegrityError

from bot.conversation.dispatcher import respond
from bot.conversation.inbound import Inbound
from bot.conversation.store import DialogueStore
from bot.conversation.turn import Turn
from bot.services.callbacks import dedup
from bot.services.residents import accounts
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork

log = logging.getLogger(__name__)


async def handle(rt: Runtime, store: DialogueStore, inbound: Inbound) -> str | None:
    try:
        return await _handle_once(rt, store, inbound)
    except IntegrityError:
        # The same message being handled at the same moment by another worker won the race;
        # its reply is the answer to this delivery too.
        prior = await dedup.seen(rt, inbound.dedup_key, inbound.nonce)
        if prior is None:
            raise
        return prior.reply


async def _handle_once(rt: Runtime, store: DialogueStore, inbound: Inbound) -> str | None:
    async with UnitOfWork() as uow:
        # Lock first: a retry that arrives while the first delivery is still being handled
        # waits for it here, then finds its record.
        account = await accounts.lock_account(rt, inbound.channel, inbound.openid)
        prior = await dedup.seen(rt, inbound.dedup_key, inbound.nonce)
        if prior is not None:
            log.info("a retried message was answered from its record")
            return prior.reply  # uncommitted: the retry changes nothing
        turn = Turn(rt, account.id, account.lang, store, inbound.dedup_key, account.position)
        reply = await respond(turn, inbound)
        await dedup.remember(rt, inbound.dedup_key, reply, inbound.nonce)
        uow.commit()
    return reply
