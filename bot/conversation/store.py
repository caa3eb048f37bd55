"""Where dialogues are kept between messages, behind a three-method interface.

The Tortoise store is the real one (a restart or a second instance loses nothing), on
Tortoise's connection with the chat step's own statements
(``bot.services.callbacks.chat_rows``); answers hold personal data, so it seals them. The
memory store serves unit tests; one contract test runs over both
(tests/integration/test_dialogue_store.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.health.sealing import Sealer
from bot.services.callbacks import chat_rows

_COLUMN = "dialogue_state.data"


@dataclass
class Dialogue:
    flow: str
    step: str
    answers: dict[str, Any] = field(default_factory=dict)


class DialogueStore(Protocol):
    async def get(self, account_id: int, now: datetime) -> Dialogue | None: ...
    async def set(self, account_id: int, dialogue: Dialogue, now: datetime) -> None: ...
    async def clear(self, account_id: int) -> None: ...
    async def lapsed(self, account_id: int, now: datetime) -> bool:
        """Whether a dialogue was left idle until it expired (and is still on record)."""
        ...


class TortoiseDialogueStore:
    def __init__(self, sealer: Sealer, idle: timedelta) -> None:
        self._sealer = sealer
        self._idle = idle

    async def get(self, account_id: int, now: datetime) -> Dialogue | None:
        row = await chat_rows.dialogue(account_id)
        if row is None or row.expires_at <= now:
            return None
        answers = json.loads(self._sealer.open(row.data, _COLUMN))
        return Dialogue(row.flow, row.step, answers)

    async def set(self, account_id: int, dialogue: Dialogue, now: datetime) -> None:
        sealed = self._sealer.seal(json.dumps(dialogue.answers, ensure_ascii=False), _COLUMN)
        await chat_rows.save_dialogue(
            account_id, dialogue.flow, dialogue.step, sealed, now + self._idle
        )

    async def clear(self, account_id: int) -> None:
        await chat_rows.clear_dialogue(account_id)

    async def lapsed(self, account_id: int, now: datetime) -> bool:
        return await chat_rows.dialogue_lapsed(account_id, now)


class MemoryDialogueStore:
    def __init__(self, idle: timedelta = timedelta(minutes=30)) -> None:
        self._rows: dict[int, tuple[Dialogue, datetime]] = {}
        self._idle = idle

    async def get(self, account_id: int, now: datetime) -> Dialogue | None:
        row = self._rows.get(account_id)
        if row is None or row[1] <= now:
            return None
        return Dialogue(row[0].flow, row[0].step, json.loads(json.dumps(row[0].answers)))

    async def set(self, account_id: int, dialogue: Dialogue, now: datetime) -> None:
        answers = json.loads(json.dumps(dialogue.answers))
        self._rows[account_id] = (Dialogue(dialogue.flow, dialogue.step, answers), now + self._idle)

    async def clear(self, account_id: int) -> None:
        self._rows.pop(account_id, None)

    async def lapsed(self, account_id: int, now: datetime) -> bool:
        row = self._rows.get(account_id)
        return row is not None and row[1] <= now
