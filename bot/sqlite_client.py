"""Tortoise's SQLite client, with a transaction's point statements run on the event loop's thread.

Tortoise keeps one aiosqlite connection: every statement is a function queued to aiosqlite's
thread, whose answer is posted back to the loop (a queue, two wake-ups, the GIL handed over
and back). For a one-row statement that hop costs several times the statement: a transaction of
five of them cost 330–450 µs of CPU here, the same five run on the loop's thread 45–65 µs
(bench/README.md, the chat step). Tortoise's ``begin`` added two hops of its own (a ``commit()``
of nothing, then ``BEGIN``).

Here, on the same one connection:

- it is opened with ``check_same_thread=False``, so the loop's thread may use it while that
  thread's task holds the transaction (the client's lock: no other task's statement is queued)
  and none of the transaction's own statements is still on aiosqlite's thread (``idle``: a
  cancelled await leaves its statement running there);
- a transaction begins with ``BEGIN IMMEDIATE`` on the loop's thread, without waiting: it takes
  the write lock at once, so none of its statements can wait for another writer later. When
  another process holds that lock, the ``BEGIN`` goes to aiosqlite's thread and waits there
  (the busy timeout), as every statement did before;
- the statements a use case marks as point statements (``rows_here``) run on the loop's thread;
  everything else (Tortoise's queries, the set-based statements of the jobs) still goes to
  aiosqlite's thread: a long statement must not stop the loop;
- a small transaction (a few rows changed) commits on the loop's thread too, without the
  checkpoint that a commit now and then runs (folding the write-ahead log back into the
  database: 3–11 ms here, two fsyncs), which must not stop the loop: the commit of a large
  transaction, and one commit in ``CHECKPOINT_EVERY``, go to aiosqlite's thread and check
  the log there as every commit did (the log grows by a few pages past SQLite's 1 000 at most).
  A rollback writes nothing and runs on the loop's thread.

Tortoise loads this module as the connection's engine (``bot.db``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite
from tortoise import connections
from tortoise.backends.base.client import NestedTransactionContext, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError

# sqlite3's default: how long a statement on aiosqlite's thread waits for another writer
BUSY_TIMEOUT_MS = 5000
# SQLite's default: the log's pages after which a commit checkpoints it
AUTOCHECKPOINT_PAGES = 1000
# a transaction that changed more rows than this commits on aiosqlite's thread
SMALL_TRANSACTION_ROWS = 64
# one commit in this many goes to aiosqlite's thread, where it checkpoints the log when due
CHECKPOINT_EVERY = 64


class _Connection(aiosqlite.Connection):
    """aiosqlite's connection, counting the functions handed to its thread and those finished:
    each count is written by one thread only, so equal counts mean its thread holds nothing
    of this connection's."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._handed = 0
        self._finished = 0
        self.commits = 0  # of transactions, counted on the loop's thread

    @property
    def idle(self) -> bool:
        return self._handed == self._finished

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            return await super()._execute(fn, *args, **kwargs)  # refused: nothing handed over
        self._handed += 1
        return await super()._execute(self._counted, partial(fn, *args, **kwargs))

    def _counted(self, function: Callable[[], Any]) -> Any:
        try:
            return function()
        finally:
            self._finished += 1


class Client(SqliteClient):
    async def create_connection(self, with_db: bool) -> None:
        if self._connection:
            return
        connector = partial(
            sqlite3.connect,
            self.filename,
            isolation_level=None,
            check_same_thread=False,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        self._connection = await _Connection(connector)
        self._connection._conn.row_factory = sqlite3.Row
        for pragma, value in self.pragmas.items():
            cursor = await self._connection.execute(f"PRAGMA {pragma}={value}")
            await cursor.close()
        await self._post_connect()
        self.log.debug(
            "Created connection %s: %s %s", self._connection, self.filename, self.pragmas
        )

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(_Transaction(self), self._lock)


class _Transaction(SqliteTransactionWrapper):
    """A transaction (or, nested, its savepoint) on the client's connection."""

    _changes_at_begin = 0

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(_Transaction(self))

    def here(self) -> sqlite3.Connection | None:
        """The connection, when this thread may use it now; None while a statement of the
        transaction is awaited (or still runs on aiosqlite's thread), or after its end."""
        connection = self._connection
        if self._finalized or self._lock.locked() or not isinstance(connection, _Connection):
            return None
        return connection._conn if connection.idle else None

    async def begin(self) -> None:
        raw = self.here()
        if raw is None:
            await super().begin()
            return
        try:
            if raw.in_transaction:  # Tortoise's begin commits whatever was left open, too
                raw.commit()
            _begin_without_waiting(raw)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise TransactionManagementError(exc) from exc
            await self._connection.execute("BEGIN IMMEDIATE")  # waits on aiosqlite's thread
        self._changes_at_begin = raw.total_changes

    async def commit(self) -> None:
        raw = self.here()
        if raw is None or not self._commits_here(raw):
            await super().commit()
            return
        raw.execute("PRAGMA wal_autocheckpoint = 0")
        try:
            raw.commit()
        except sqlite3.Error as exc:  # nothing is half-written: the transaction is undone
            raw.rollback()
            raise _translated(exc) from exc
        finally:
            self._finalized = True
            raw.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")

    def _commits_here(self, raw: sqlite3.Connection) -> bool:
        connection = self._connection
        assert isinstance(connection, _Connection)
        connection.commits += 1
        if connection.commits % CHECKPOINT_EVERY == 0:
            return False
        return raw.total_changes - self._changes_at_begin <= SMALL_TRANSACTION_ROWS

    async def rollback(self) -> None:
        raw = self.here()
        if raw is None:
            await super().rollback()
            return
        raw.rollback()
        self._finalized = True


def _begin_without_waiting(raw: sqlite3.Connection) -> None:
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        raw.execute("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def rows_here(sql: str, values: list[Any]) -> tuple[int, list[sqlite3.Row]] | None:
    """Run a point statement (one indexed lookup or write of a row or a few) on this thread
    inside the caller's SQLite transaction: the rows it changed and the rows it returned. None
    when it cannot run here (no such transaction, or the connection busy with its statements);
    the caller then runs it through Tortoise. Errors are Tortoise's, as through Tortoise."""
    transaction = connections.get("default")
    raw = transaction.here() if isinstance(transaction, _Transaction) else None
    if raw is None:
        return None
    transaction.log.debug("%s: %s", sql, values)
    before = raw.total_changes
    try:
        rows = raw.execute(sql, values).fetchall()
    except sqlite3.Error as exc:
        raise _translated(exc) from exc
    return raw.total_changes - before, rows


def _translated(exc: sqlite3.Error) -> Exception:
    """Tortoise's exception for sqlite3's, as its client raises them."""
    if isinstance(exc, sqlite3.IntegrityError):
        return IntegrityError(exc)
    if isinstance(exc, sqlite3.OperationalError):
        return OperationalError(exc)
    return exc


client_class = Client
