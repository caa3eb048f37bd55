"""One scheduler per database (docs/architecture.md): the process that holds the leader lock runs
the jobs, the others wait and try again every few seconds.

- PostgreSQL: ``pg_try_advisory_lock`` on a connection of its own. The lock belongs to the
  session, so it must not come from Tortoise's pool (a pooled connection goes back to the pool
  and to other queries); it is released when the connection closes, which the server sees at
  once when the leader's process dies, and within about 25 s (TCP keepalives) when its machine
  vanishes.
- SQLite: the database is a file on one machine; an exclusive ``flock`` on a file beside it,
  released by the kernel when the process dies.
- SQLite in memory: one process by definition.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from bot.db import is_postgres

log = logging.getLogger(__name__)
# The advisory lock's key: any 64-bit number no other tool on the database uses.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"health-code scheduler").digest()[:8], "big", signed=True)
# Tortoise's own URL parameters, which asyncpg would send to the server as settings.
_TORTOISE_PARAMS = {"minsize", "maxsize", "max_queries", "max_inactive_connection_lifetime"}


class Leadership(Protocol):
    async def acquire(self) -> bool:
        """Try once, without waiting: True when this process now holds the lock."""
        ...

    async def held(self) -> bool:
        """Whether the lock is still ours (False: stop the jobs now)."""
        ...

    async def release(self) -> None: ...


class SoleProcess:
    async def acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def held(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None


class AdvisoryLock:
    def __init__(self, dsn: str, key: int = LOCK_KEY, timeout: float = 5.0) -> None:
        self.dsn = dsn
        self.key = key
        self.timeout = timeout
        self._conn: asyncpg.Connection | None = None
        self._held = False

    async def acquire(self) -> bool:
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(
                self.dsn,
                timeout=self.timeout,
                server_settings={
                    "application_name": "health-code scheduler",
                    # the server drops the session of a vanished leader after about 25 s
                    "tcp_keepalives_idle": "10",
                    "tcp_keepalives_interval": "5",
                    "tcp_keepalives_count": "3",
                },
            )
        try:
            got = await self._conn.fetchval(
                "SELECT pg_try_advisory_lock($1)", self.key, timeout=self.timeout
            )
        except BaseException:
            await self._close()
            raise
        self._held = bool(got)
        return self._held

    async def held(self) -> bool:
        if not self._held or self._conn is None:
            return False
        try:
            await self._conn.fetchval("SELECT 1", timeout=self.timeout)
        except Exception:  # a timeout, a reset socket, a terminated session, asyncpg confused
            # The session, and the lock with it, may be gone: another process may lead now.
            await self._close()
            return False
        return True

    async def release(self) -> None:
        if self._conn is not None and self._held and not self._conn.is_closed():
            with contextlib.suppress(Exception):
                await self._conn.fetchval(
                    "SELECT pg_advisory_unlock($1)", self.key, timeout=self.timeout
                )
        await self._close()

    async def _close(self) -> None:
        self._held = False
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), self.timeout)
            if not conn.is_closed():
                conn.terminate()


def leadership_for(database_url: str) -> Leadership:
    if is_postgres(database_url):
        return AdvisoryLock(asyncpg_dsn(database_url))
    path = database_url.removeprefix("sqlite://")
    if not path or path.startswith(":memory:"):
        return SoleProcess()
    return FileLock(Path(path + ".scheduler-lock"))


def asyncpg_dsn(database_url: str) -> str:
    parts = urlsplit(database_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in _TORTOISE_PARAMS]
    return urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(query), ""))
