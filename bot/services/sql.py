"""Plain SQL on Tortoise's own connection: the one query module of the service. The hot reads
(``bot.services.codes.hot_reads``: a scan, a code, a credential) are single-row statements through
``one``; the jobs that touch many rows at once (tier changes, feeds, expired codes) use
``fetch`` and ``execute``: one statement over thousands of rows, no query builder and no model
objects in between.

Statements are written once, with PostgreSQL's ``$n`` placeholders, each used once and in
order; for SQLite they become ``?``. Inside a unit of work they run on its transaction. What
the two databases spell differently is a function here: a list of ids as one parameter (an
array on PostgreSQL, a JSON text read with ``json_each`` on SQLite), JSON, timestamps.

On SQLite, a point read outside a transaction does not go through Tortoise's connection: that
one connection lives on aiosqlite's thread behind an asyncio lock, so every statement waited
for the lock and crossed two threads (a queue, a wake-up, the GIL, the answer posted back to
the loop), and that cost a read more than the read itself: ``GET /healthz``, one ``SELECT 1``,
cost 3 to 4 times the CPU of the same answer without it (bench/README.md). ``one`` reads with
a second, read-only connection of the process, on the event loop's thread: an indexed lookup
in the page cache takes microseconds, and WAL lets it read beside a writer, seeing every
committed row. It never waits for a lock (``timeout=0``): a busy database sends the read the
old way.
"""

from __future__ import annotations

import json
import re
import sqlite3
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, overload

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

_PLACEHOLDER = re.compile(r"\$\d+")
Row = Any  # an asyncpg Record or a sqlite3.Row: both read by name and by position


def is_postgres() -> bool:
    dialect: str = connections.get("default").capabilities.dialect
    return dialect == "postgres"


async def fetch(sql: str, *values: Any) -> list[Row]:
    connection = connections.get("default")
    _, rows = await connection.execute_query(_spelled(sql, _sqlite(connection)), list(values))
    return list(rows)


async def one(sql: str, *values: Any) -> Row | None:
    """The first row of a point read (a lookup by a unique key), or None. On SQLite outside a
    transaction it is read on this thread (see above); anything else goes through Tortoise."""
    connection = connections.get("default")
    sqlite = _sqlite(connection)
    if sqlite:
        reader = _reader_of(connection)
        if reader is not None:
            try:
                return reader.execute(_spelled(sql, True), values).fetchone()
            except (sqlite3.OperationalError, sqlite3.ProgrammingError):
                pass  # busy, or another thread's loop: Tortoise's connection answers
    _, rows = await connection.execute_query(_spelled(sql, sqlite), list(values))
    return rows[0] if rows else None


@dataclass(frozen=True, slots=True)
class _Reader:
    owner: object  # the aiosqlite connection of Tortoise's client it was opened beside
    connection: sqlite3.Connection


# one reader per Tortoise client (a test's fresh database has a fresh client)
_READERS: weakref.WeakKeyDictionary[Any, _Reader] = weakref.WeakKeyDictionary()


def close_readers() -> None:
    """Close every reader (the ORM is closing): the last connection to close a SQLite file in
    WAL mode folds its log back into it."""
    for reader in list(_READERS.values()):
        reader.connection.close()
    _READERS.clear()


def _reader_of(client: Any) -> sqlite3.Connection | None:
    """The read-only connection beside ``client``'s, opened on first use; None inside a
    transaction (its own writes are on its connection), for a database in memory (another
    connection would see another database), or while the client is closed."""
    if isinstance(client, TransactionalDBClient):
        return None
    owner = getattr(client, "_connection", None)
    filename = getattr(client, "filename", ":memory:")
    if owner is None or filename == ":memory:" or filename.startswith("file::memory:"):
        return None
    reader = _READERS.get(client)
    if reader is None or reader.owner is not owner:  # first use, or the client reconnected
        if reader is not None:
            reader.connection.close()
        connection = sqlite3.connect(filename, timeout=0, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA query_only = ON")
        reader = _READERS[client] = _Reader(owner, connection)
    return reader.connection


async def execute(sql: str, *values: Any) -> int:
    """Run a statement that returns no rows; the number of rows it wrote."""
    connection = connections.get("default")
    if _sqlite(connection):
        count: int
        count, _ = await connection.execute_query(_spelled(sql, True), list(values))
        return count
    # Tortoise reads the count of "INSERT 0 5" as 0 (the oid): read the status line ourselves,
    # with Tortoise's own translation of errors (IntegrityError and kin)
    written: int = await connection._translate_exceptions(_postgres_execute, sql, values)
    return written


async def _postgres_execute(client: Any, sql: str, values: tuple[Any, ...]) -> int:
    async with client.acquire_connection() as connection:
        client.log.debug("%s: %s", sql, values)
        status = await connection.execute(sql, *values)
    count = status.rsplit(" ", 1)[-1]
    return int(count) if count.isdigit() else 0


@asynccontextmanager
async def index_lookups() -> AsyncIterator[None]:
    """Within the caller's transaction, join a list of ids to tables by index lookups only.

    Given a few thousand ids, PostgreSQL's planner likes a merge join that reads an index from
    its first entry up to the batch's ids, or a hash join over the whole table: cheap on a
    small table, but each batch then reads all the rows before it, and a district of a million
    takes quadratic time. One index lookup per id stays linear whatever the table's size.
    (SQLite always looks rows up by index.)"""
    if not is_postgres():
        yield
        return
    connection = connections.get("default")
    await connection.execute_script(
        "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"
    )
    try:
        yield
    finally:
        await connection.execute_script("RESET enable_hashjoin; RESET enable_mergejoin")


def _sqlite(connection: Any) -> bool:
    dialect: str = connection.capabilities.dialect
    return dialect == "sqlite"


@cache
def _spelled(sql: str, sqlite: bool) -> str:
    return _PLACEHOLDER.sub("?", sql) if sqlite else sql


def ids(values: Sequence[int]) -> Any:
    """A list of ids as one parameter, read with ``ids_table`` (or ``not_in_ids``)."""
    return list(values) if is_postgres() else json.dumps(list(values))


def not_in_ids(placeholder: str) -> str:
    """``column NOT IN`` the ids of one parameter (``ids``)."""
    if is_postgres():
        return f"<> ALL({placeholder}::int[])"
    return f"NOT IN (SELECT value FROM json_each({placeholder}))"


def id_array(column: str) -> str:
    """An aggregate of ids into one value, read back with ``id_list``."""
    return f"array_agg({column})" if is_postgres() else f"json_group_array({column})"


def id_list(value: Any) -> list[int]:
    return json.loads(value) if isinstance(value, str) else list(value)


def ids_table(placeholder: str, alias: str = "t") -> str:
    """The ids of one parameter (``ids``) as a relation ``alias(id)``: join tables to it, so
    each row is an index lookup (PostgreSQL takes an array of unknown length for a hundred
    rows; with ``= ANY`` it may scan a whole table for every batch)."""
    if is_postgres():
        return f"unnest({placeholder}::int[]) AS {alias}(id)"
    return f"(SELECT value AS id FROM json_each({placeholder})) AS {alias}"


def json_param(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_cast() -> str:
    """What follows a JSON parameter so PostgreSQL stores it as ``jsonb``."""
    return "::jsonb" if is_postgres() else ""


def moment_param(value: datetime | None) -> Any:
    """A timestamp parameter: an aware datetime for PostgreSQL, Tortoise's UTC text for SQLite
    (text compares as text there, so every stored moment must be written the same way)."""
    if value is None or is_postgres():
        return value
    return sqlite_moment(value)


def sqlite_moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(" ")


@overload
def moment(value: None) -> None: ...
@overload
def moment(value: datetime | str) -> datetime: ...
def moment(value: datetime | str | None) -> datetime | None:
    """A timestamp read back, as an aware datetime (SQLite gives Tortoise's text)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@overload
def day(value: None) -> None: ...
@overload
def day(value: date | str) -> date: ...
def day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value
