"""The SQLite client's transactions (bot/sqlite_client.py): point statements, BEGIN, ROLLBACK
and small COMMITs run on the event loop's thread, on the one connection the rest of the
transaction uses on aiosqlite's thread. These check that it is still one transaction (all or
nothing, a crash included), that transactions still run one at a time, that the loop never
waits for another writer or a checkpoint, and that the write-ahead log is still folded back."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tortoise import connections

from bot.services.access.staff import add_staff
from bot.services.uow import UnitOfWork
from bot.sqlite_client import CHECKPOINT_EVERY, SMALL_TRANSACTION_ROWS, rows_here
from models.staff import Staff

ROOT = Path(__file__).resolve().parents[2]
_SCRATCH = "CREATE TABLE scratch (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, pad TEXT)"


@pytest.fixture
async def sqlite(db: str) -> AsyncIterator[Path]:
    if not db.startswith("sqlite://"):
        pytest.skip("SQLite's client")
    await connections.get("default").execute_script(_SCRATCH)
    yield Path(db.removeprefix("sqlite://"))


def _here(sql: str, *values: object) -> list:
    done = rows_here(sql, list(values))
    assert done is not None, "ran on aiosqlite's thread"
    return done[1]


async def _count(sql: str) -> int:
    rows = await connections.get("default").execute_query_dict(sql)
    return int(rows[0]["n"])


async def test_a_unit_of_work_is_all_or_nothing_across_both_threads(sqlite: Path) -> None:
    for commit in (False, True):
        async with UnitOfWork() as uow:
            _here("INSERT INTO scratch (n) VALUES (1)")  # on the loop's thread
            await add_staff("甲", "checkpoint")  # Tortoise's, on aiosqlite's thread
            assert await Staff.filter(name="甲").exists()  # one transaction sees both
            assert _here("SELECT count(*) AS n FROM staff WHERE name = '甲'")[0]["n"] == 1
            if commit:
                uow.commit()
        assert await _count("SELECT count(*) AS n FROM scratch") == int(commit)
        assert await Staff.filter(name="甲").count() == int(commit)


async def test_a_failed_statement_undoes_the_whole_unit(sqlite: Path) -> None:
    with pytest.raises(Exception, match="UNIQUE"):
        async with UnitOfWork() as uow:
            _here("INSERT INTO scratch (id, n) VALUES (7, 1)")
            await add_staff("乙", "checkpoint")
            _here("INSERT INTO scratch (id, n) VALUES (7, 2)")  # the key again: refused
            uow.commit()
    assert await _count("SELECT count(*) AS n FROM scratch") == 0
    assert not await Staff.filter(name="乙").exists()


_CRASH = """
import asyncio, os, sys
from bot.db import open_database
from bot.services.access.staff import add_staff
from bot.services.uow import UnitOfWork
from bot.sqlite_client import rows_here

async def main():
    await open_database(sys.argv[1])
    async with UnitOfWork():
        assert rows_here("INSERT INTO scratch (n) VALUES (1)", []) is not None
        await add_staff("丙", "checkpoint")
        os._exit(9)  # the process dies mid-step, its transaction open

asyncio.run(main())
"""


async def test_a_process_killed_mid_step_leaves_nothing_written(sqlite: Path, db: str) -> None:
    await connections.get("default").execute_query("INSERT INTO scratch (n) VALUES (0)")
    crashed = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", _CRASH, db], cwd=ROOT, capture_output=True
    )
    assert crashed.returncode == 9, crashed.stderr.decode()
    assert await _count("SELECT count(*) AS n FROM scratch") == 1  # the row before it only
    assert not await Staff.filter(name="丙").exists()


async def test_units_of_work_at_once_run_one_after_the_other(sqlite: Path) -> None:
    await connections.get("default").execute_query("INSERT INTO scratch (id, n) VALUES (1, 0)")
    order: list[str] = []

    async def step(name: str) -> None:
        async with UnitOfWork() as uow:
            order.append(f"{name} reads")
            n = _here("SELECT n FROM scratch WHERE id = 1")[0]["n"]
            await Staff.filter(name="nobody").exists()  # a turn of the loop, off the thread
            await asyncio.sleep(0.01)
            _here("UPDATE scratch SET n = ? WHERE id = 1", n + 1)
            order.append(f"{name} writes")
            uow.commit()

    await asyncio.gather(*(step(name) for name in "abcd"))
    assert await _count("SELECT n FROM scratch WHERE id = 1") == 4  # no update lost
    assert [entry.split()[1] for entry in order] == ["reads", "writes"] * 4, order


async def test_a_statement_left_on_aiosqlites_thread_keeps_the_loop_off(sqlite: Path) -> None:
    slow = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000)"
        " SELECT count(*) AS n FROM c"
    )
    async with UnitOfWork() as uow:
        connection = connections.get("default")
        task = asyncio.create_task(connection.execute_query(slow))
        await asyncio.sleep(0.05)
        task.cancel()  # the await ends; the statement goes on, on aiosqlite's thread
        with pytest.raises(asyncio.CancelledError):
            await task
        assert rows_here("SELECT 1", []) is None  # so this one goes there too, after it
        await connection.execute_query("SELECT 1")  # queued behind the slow one
        _here("INSERT INTO scratch (n) VALUES (1)")
        uow.commit()
    assert await _count("SELECT count(*) AS n FROM scratch") == 1


async def test_another_writer_makes_begin_wait_off_the_loop(sqlite: Path) -> None:
    other = await asyncio.to_thread(_hold_the_write_lock, sqlite)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def step() -> None:
        async with UnitOfWork() as uow:
            _here("INSERT INTO scratch (n) VALUES (1)")
            uow.commit()

    running = asyncio.create_task(ticker())
    try:
        writing = asyncio.create_task(step())
        await asyncio.sleep(0.3)
        assert not writing.done()  # waiting for the other writer...
        assert ticks >= 10  # ...while the loop goes on
        await asyncio.to_thread(_release, other)
        await asyncio.wait_for(writing, 5)
    finally:
        running.cancel()
    assert await _count("SELECT count(*) AS n FROM scratch") == 1


def _hold_the_write_lock(path: Path) -> tuple:
    import sqlite3

    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO scratch (n) VALUES (-1)")
    return (connection,)


def _release(held: tuple) -> None:
    held[0].rollback()
    held[0].close()


async def test_large_commits_and_checkpoints_go_to_aiosqlites_thread(sqlite: Path) -> None:
    raw = connections.get("default")._connection
    commits: list[bool] = []  # True: on the loop's thread

    def trace(sql: str) -> None:
        if sql == "COMMIT":
            commits.append(threading.current_thread() is threading.main_thread())

    await raw.set_trace_callback(trace)
    try:
        async with UnitOfWork() as uow:  # a large one
            for n in range(SMALL_TRANSACTION_ROWS + 1):
                _here("INSERT INTO scratch (n) VALUES (?)", n)
            uow.commit()
        assert commits == [False]
        commits.clear()
        for n in range(2 * CHECKPOINT_EVERY):  # small ones
            async with UnitOfWork() as uow:
                _here("INSERT INTO scratch (n) VALUES (?)", n)
                uow.commit()
    finally:
        await raw.set_trace_callback(None)
    assert len(commits) == 2 * CHECKPOINT_EVERY
    assert commits.count(False) == 2, "one in CHECKPOINT_EVERY checks the log on the thread"


async def test_the_log_is_still_folded_back_into_the_database(sqlite: Path) -> None:
    pad = "x" * 3000  # a page of its own: each commit adds a page or two to the log
    for n in range(3000):
        async with UnitOfWork() as uow:
            _here("INSERT INTO scratch (n, pad) VALUES (?, ?)", n, pad)
            uow.commit()
    wal = Path(f"{sqlite}-wal")
    # unfolded, 3 000 commits would leave a log of at least 3 000 pages (12 MB); SQLite folds
    # it back after 1 000 (4 MB), and a commit in CHECKPOINT_EVERY checks
    assert os.path.getsize(wal) < 8 * 2**20, os.path.getsize(wal)
