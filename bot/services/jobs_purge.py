"""Housekeeping of the chat: handled-message records and dialogues left idle.

WeChat retries a message within seconds, so a day of handled MsgIds is plenty. An idle dialogue
is kept a day past its expiry, so the person who comes back still hears that it lapsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.services.runtime import Runtime
from models.dialogue import DialogueState, ProcessedMessage

PROCESSED_KEPT = timedelta(days=1)
LAPSED_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Purged:
    processed: int
    dialogues: int


async def purge(rt: Runtime) -> Purged:
    now = rt.now()
    processed = await ProcessedMessage.filter(created_at__lt=now - PROCESSED_KEPT).delete()
    dialogues = await DialogueState.filter(expires_at__lt=now - LAPSED_KEPT).delete()
    return Purged(processed, dialogues)
