"""Scan logs by group commit: one writer per process appends every waiting scan in a single
multi-row INSERT, and each scan's request waits until the statement holding its row has
committed. A 200 therefore means the row is in the database (nothing is lost when the process
dies), and a rush hour costs one statement per batch instead of a transaction per scan.

While one batch is being written, the next one gathers: the busier the checkpoint, the larger
the batch, with no timer to tune. ``linger`` adds a short wait before each batch so that a
quiet moment still groups the scans arriving together.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from tortoise import connections

log = logging.getLogger(__name__)
MAX_BATCH = 500  # rows per statement: 3 500 parameters, well inside both databases' limits
_COLUMNS = ("staff_id", "person_id", "verdict", "color", "place", "temperature", "created_at")


@dataclass(frozen=True, slots=True)
class ScanRow:
    staff_id: int
    person_id: int | None
    verdict: str
    color: str | None
    place: str | None
    temperature: float | None
    created_at: datetime

    def values(self) -> tuple[object, ...]:
        return (
            self.staff_id,
            self.person_id,
            self.verdict,
            self.color,
            self.place,
            self.temperature,
            self.created_at,
        )


class ScanLogClosed(RuntimeError):
    """The process is stopping: no new scan is accepted for writing."""


class ScanLogWriter:
    def __init__(self, linger_seconds: float = 0.0) -> None:
        self.linger = linger_seconds
        self._waiting: list[tuple[ScanRow, asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def append(self, row: ScanRow) -> None:
        """Return once ``row`` is committed; raise what the database raised if it was not."""
        if self._closed:
            raise ScanLogClosed("the scan log is closed")
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="scan-log")
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        self._wake.set()
        await done

    async def close(self) -> None:
        """Write what is waiting, then stop (the web server has answered its requests)."""
        self._closed = True
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self.linger and not self._closed:
                await asyncio.sleep(self.linger)
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                await self._write(batch)
            if self._closed:
                return

    async def _write(self, batch: list[tuple[ScanRow, asyncio.Future[None]]]) -> None:
        try:
            await insert_scans([row for row, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc)
                return
            # one bad row (its worker deleted a moment ago) must not fail its neighbours
            log.warning("a batch of %d scans failed (%s): writing them one by one", len(batch), exc)
            for one in batch:
                await self._write([one])
            return
        for _, done in batch:
            _settle(done, None)


def _settle(done: asyncio.Future[None], error: BaseException | None) -> None:
    if done.done():  # its request was cancelled meanwhile
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


async def insert_scans(rows: list[ScanRow]) -> None:
    """One statement for all of ``rows``: atomic on its own, on either database."""
    connection = connections.get("default")
    sqlite = connection.capabilities.dialect == "sqlite"
    width = len(_COLUMNS)
    groups = []
    for n in range(len(rows)):
        marks = ["?"] * width if sqlite else [f"${n * width + i + 1}" for i in range(width)]
        groups.append(f"({', '.join(marks)})")
    sql = f"INSERT INTO scan_log ({', '.join(_COLUMNS)}) VALUES {', '.join(groups)}"
    values = [value for row in rows for value in row.values()]
    await connection.execute_query(sql, values)
