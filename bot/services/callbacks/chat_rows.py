"""The chat step's statements: the account locked and touched, the message's dedup record and
the open dialogue. A text in the middle of a dialogue is the chat's commonest request; built by
Tortoise's query builder and hydrated into models, its statements cost most of the step
(bench/README.md, the chat step). Here each is one parameterised statement on Tortoise's own
connection (inside the unit of work, its transaction), with no model objects in between; on
SQLite it runs on the event loop's thread, not handed to aiosqlite's (``bot.sqlite_client``).

The SQL is written once, with ``$n`` placeholders (PostgreSQL's), each used once and in order,
and spelled with ``?`` for SQLite. Moments are written as Tortoise writes them
(``bot.services.sql``), so the queries Tortoise builds elsewhere (the purge) compare
alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from tortoise import connections

from bot.services.sql import moment, moment_param
from bot.sqlite_client import rows_here

_PLACEHOLDER = re.compile(r"\$\d+")


@dataclass(frozen=True, slots=True)
class DialogueRow:
    flow: str
    step: str
    data: str  # sealed
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    lang: str
    location_sealed: str | None


@dataclass(frozen=True, slots=True)
class ProcessedRow:
    key: str
    nonce: str | None
    reply: str | None  # sealed


# the UPDATE takes the row's lock (PostgreSQL; SQLite serialises every transaction anyway), and
# the touch it makes is undone with the unit of work when the message was handled before
_CONTACTED = (
    "UPDATE account SET last_message_at = $1 WHERE channel = $2 AND openid = $3"
    " RETURNING id, lang, location_sealed"
)
# the message's own record, and whichever message its nonce came with (bot.services.dedup)
_PROCESSED = "SELECT key, nonce, reply FROM processed_message WHERE key = $1 OR nonce = $2"
_RECORD_PROCESSED = (
    "INSERT INTO processed_message (key, nonce, reply, created_at) VALUES ($1, $2, $3, $4)"
)

_DIALOGUE = "SELECT flow, step, data, expires_at FROM dialogue_state WHERE account_id = $1"
_UPDATE_DIALOGUE = (
    "UPDATE dialogue_state SET flow = $1, step = $2, data = $3, expires_at = $4"
    " WHERE account_id = $5"
)
# no upsert: on PostgreSQL each ON CONFLICT would draw from the id's sequence, once per step
_INSERT_DIALOGUE = (
    "INSERT INTO dialogue_state (flow, step, data, expires_at, account_id)"
    " VALUES ($1, $2, $3, $4, $5)"
)
_CLEAR_DIALOGUE = "DELETE FROM dialogue_state WHERE account_id = $1"
_LAPSED_DIALOGUE = "SELECT 1 FROM dialogue_state WHERE account_id = $1 AND expires_at <= $2"


async def contacted(channel: str, openid: str, now: datetime) -> AccountRow | None:
    """The account, its last message now, locked for the rest of the unit of work; None for
    an account not made yet."""
    rows = await _rows(_CONTACTED, moment_param(now), channel, openid)
    if not rows:
        return None
    row = rows[0]
    return AccountRow(row["id"], row["lang"], row["location_sealed"])


async def processed(key: str, nonce: str | None) -> list[ProcessedRow]:
    """The records of message ``key`` and of nonce ``nonce`` (None matches no nonce)."""
    rows = await _rows(_PROCESSED, key, nonce)
    return [ProcessedRow(row["key"], row["nonce"], row["reply"]) for row in rows]


async def record_processed(key: str, nonce: str | None, reply: str | None, at: datetime) -> None:
    """Raises Tortoise's IntegrityError when the key or the nonce is on record already."""
    await _write(_RECORD_PROCESSED, key, nonce, reply, moment_param(at))


async def dialogue(account_id: int) -> DialogueRow | None:
    rows = await _rows(_DIALOGUE, account_id)
    if not rows:
        return None
    row = rows[0]
    return DialogueRow(row["flow"], row["step"], row["data"], moment(row["expires_at"]))


async def save_dialogue(
    account_id: int, flow: str, step: str, data: str, expires_at: datetime
) -> None:
    """One statement when the row exists (every step after the first); the account's lock,
    held by the caller's unit of work, keeps a second writer of this row out meanwhile."""
    values = (flow, step, data, moment_param(expires_at), account_id)
    if not await _write(_UPDATE_DIALOGUE, *values):
        await _write(_INSERT_DIALOGUE, *values)


async def clear_dialogue(account_id: int) -> None:
    await _write(_CLEAR_DIALOGUE, account_id)


async def dialogue_lapsed(account_id: int, now: datetime) -> bool:
    rows = await _rows(_LAPSED_DIALOGUE, account_id, moment_param(now))
    return bool(rows)


async def _rows(sql: str, *values: Any) -> list[Any]:
    """The rows (read by column name) of a statement, run on this thread inside a SQLite unit
    of work (``bot.sqlite_client``), through Tortoise otherwise."""
    connection = connections.get("default")
    sqlite = _is_sqlite(connection)
    if sqlite and (done := rows_here(_spelled(sql, True), list(values))) is not None:
        return done[1]
    rows: list[Any] = await connection.execute_query_dict(_spelled(sql, sqlite), list(values))
    return rows


async def _write(sql: str, *values: Any) -> int:
    """A statement that returns no rows; the number of rows it changed (an UPDATE's)."""
    connection = connections.get("default")
    sqlite = _is_sqlite(connection)
    if sqlite and (done := rows_here(_spelled(sql, True), list(values))) is not None:
        return done[0]
    count: int
    count, _ = await connection.execute_query(_spelled(sql, sqlite), list(values))
    return count


def _is_sqlite(connection: Any) -> bool:
    return bool(connection.capabilities.dialect == "sqlite")


@cache
def _spelled(sql: str, sqlite: bool) -> str:
    return _PLACEHOLDER.sub("?", sql) if sqlite else sql
