"""Messages already handled (WeChat retries a message up to three times): a retry gets the
reply the first delivery got, and nothing is processed twice. Replies can repeat what the
person typed (the summary of a declaration), so they are sealed like any personal data.

Without Redis the row also carries the signed request's nonce
(``bot.services.callbacks.replay``): the read that finds a retry finds a replayed nonce too, and the
nonce's unique index refuses a replay racing its original."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.callbacks import chat_rows
from bot.services.callbacks.replay import Replayed
from bot.services.runtime import Runtime

_COLUMN = "processed_message.reply"


@dataclass(frozen=True)
class Seen:
    reply: str | None


async def seen(rt: Runtime, key: str, nonce: str | None = None) -> Seen | None:
    """The record of message ``key``, if handled; raises ``Replayed`` when ``nonce`` came
    with another message."""
    found = None
    for row in await chat_rows.processed(key, nonce):
        if row.key != key:
            raise Replayed()
        found = row
    if found is None:
        return None
    return Seen(rt.sealer.open(found.reply, _COLUMN) if found.reply else None)


async def remember(rt: Runtime, key: str, reply: str | None, nonce: str | None = None) -> None:
    sealed = rt.sealer.seal(reply, _COLUMN) if reply else None
    await chat_rows.record_processed(key, nonce, sealed, rt.now())
