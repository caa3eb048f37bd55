"""What one handled message knows: the runtime, the account, its language, its dialogue store."""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation.store import DialogueStore
from bot.services.runtime import Runtime


@dataclass
class Turn:
    rt: Runtime
    account_id: int
    lang: str
    store: DialogueStore
    event: str  # this message's dedup key: names the notices it queues, so a retry adds none
    position: tuple[float, float] | None = None
