"""Messages already handled (WeChat retries a message up to three times): a retry gets the
reply the first delivery got, and nothing is processed twice. Replies can repeat what the
person typed (the summary of a declaration), so they are sealed like any personal data."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.runtime import Runtime
from models.dialogue import ProcessedMessage

_COLUMN = "processed_message.reply"


@dataclass(frozen=True)
class Seen:
    reply: str | None


async def seen(rt: Runtime, key: str) -> Seen | None:
    row = await ProcessedMessage.get_or_none(key=key)
    if row is None:
        return None
    return Seen(rt.sealer.open(row.reply, _COLUMN) if row.reply else None)


async def remember(rt: Runtime, key: str, reply: str | None) -> None:
    sealed = rt.sealer.seal(reply, _COLUMN) if reply else None
    await ProcessedMessage.create(key=key, reply=sealed, created_at=rt.now())
