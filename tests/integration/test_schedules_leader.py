"""One scheduler per database: the leader lock on PostgreSQL (an advisory lock on a connection
of its own) and on SQLite (a file lock), and the runner that takes over when the leader goes."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway
from schedules.leader import (
    AdvisoryLock,
    FileLock,
    SoleProcess,
    asyncpg_dsn,
    leadership_for,
)
from schedules.runner import SchedulerRunner
from tests.support import databases
from tests.support.leader_lock import lock_holders

needs_postgres = pytest.mark.skipif(
    not databases.POSTGRES_URL, reason="TEST_POSTGRES_URL is not set"
)


def test_each_database_gets_its_kind_of_lock(tmp_path: Path) -> None:
    assert isinstance(leadership_for("postgres://u@h:5432/db?maxsize=5"), AdvisoryLock)
    assert isinstance(leadership_for(f"sqlite://{tmp_path}/x.sqlite3"), FileLock)
    assert isinstance(leadership_for("sqlite://:memory:"), SoleProcess)
    assert asyncpg_dsn("postgres://u@h:5432/db?maxsize=5&sslmode=require") == (
        "postgresql://u@h:5432/db?sslmode=require"
    )


async def test_a_file_lock_has_one_holder_at_a_time(tmp_path: Path) -> None:
    first, second = FileLock(tmp_path / "lock"), FileLock(tmp_path / "lock")
    assert await first.acquire() and await first.held()
    assert not await second.acquire()
    await first.release()
    assert await second.acquire()
    await second.release()


async def test_a_file_lock_is_freed_when_its_process_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(path)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        lock = FileLock(path)
        assert not await lock.acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        assert await lock.acquire()
        await lock.release()
    finally:
        holder.kill()
        holder.wait()


@needs_postgres
async def test_an_advisory_lock_has_one_holder_and_is_freed_with_its_session() -> None:
    dsn = asyncpg_dsn(databases.POSTGRES_URL)
    first, second = AdvisoryLock(dsn), AdvisoryLock(dsn)
    try:
        assert await first.acquire() and await first.held()
        assert not await second.acquire()
        # The leader's session dies (its process was killed, its machine vanished).
        admin = await asyncpg.connect(dsn)
        try:
            [pid] = await lock_holders(admin)
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        assert not await first.held()  # it notices, and stops its jobs
        assert await second.acquire()
    finally:
        await first.release()
        await second.release()


@needs_postgres
async def test_releasing_an_advisory_lock_hands_it_over() -> None:
    dsn = asyncpg_dsn(databases.POSTGRES_URL)
    first, second = AdvisoryLock(dsn), AdvisoryLock(dsn)
    try:
        assert await first.acquire()
        await first.release()
        assert await second.acquire()
        assert not await first.acquire()
    finally:
        await first.release()
        await second.release()


@pytest.fixture
def fast(rt: Runtime) -> Runtime:
    rt.settings = dataclasses.replace(
        rt.settings,
        outbox_interval_seconds=0.1,
        schedules=dataclasses.replace(rt.settings.schedules, leader_retry_seconds=0.1),
    )
    return rt


@pytest.fixture
async def runners(
    fast: Runtime,
    gateway: WeChatGateway,
) -> AsyncIterator[list[SchedulerRunner]]:
    url = fast.settings.database_url
    made = [SchedulerRunner(fast, gateway, leadership_for(url)) for _ in range(2)]
    yield made
    for runner in made:
        await runner.stop()


async def wait_for_a_leader(runners: list[SchedulerRunner], timeout: float = 10) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leading = [i for i, runner in enumerate(runners) if runner.leading.is_set()]
        if leading:
            assert len(leading) == 1, "two leaders"
            return leading[0]
        await asyncio.sleep(0.02)
    raise AssertionError("no leader")


async def test_of_two_runners_one_leads_and_the_other_takes_over_when_it_stops(
    runners: list[SchedulerRunner],
) -> None:
    for runner in runners:
        runner.start()
    leader = await wait_for_a_leader(runners)
    await asyncio.sleep(0.5)  # several heartbeats and retries: still one leader
    assert await wait_for_a_leader(runners) == leader

    started = time.monotonic()
    await runners[leader].stop()
    assert await wait_for_a_leader(runners) == 1 - leader
    assert time.monotonic() - started < 2


async def test_the_process_of_a_runner_ids_itself_in_the_log(
    runners: list[SchedulerRunner], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="schedules.runner")
    runners[0].start()
    await wait_for_a_leader(runners[:1])
    await runners[0].stop()
    assert f"process {os.getpid()} is the leader" in caplog.text
    assert f"process {os.getpid()} stopped leading" in caplog.text


class ScriptedLock:
    """A leader lock that answers from a script: True/False, or an exception to raise."""

    def __init__(self, acquire: list, held: list) -> None:
        self.acquire_answers, self.held_answers = acquire, held
        self.released = 0

    async def acquire(self) -> bool:
        answer = self.acquire_answers.pop(0) if self.acquire_answers else False
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def held(self) -> bool:
        return self.held_answers.pop(0) if self.held_answers else True

    async def release(self) -> None:
        self.released += 1


async def test_a_runner_that_cannot_reach_the_lock_keeps_trying(
    fast: Runtime,
    gateway: WeChatGateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    lock = ScriptedLock(acquire=[OSError("connection refused"), False, True], held=[])
    runner = SchedulerRunner(fast, gateway, lock)
    runner.start()
    try:
        await asyncio.wait_for(runner.leading.wait(), 5)
    finally:
        await runner.stop()
    assert "cannot reach the leader lock: connection refused" in caplog.text
    assert lock.released == 1


async def test_a_runner_that_loses_the_lock_stops_its_jobs_and_tries_again(
    fast: Runtime,
    gateway: WeChatGateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    lock = ScriptedLock(acquire=[True, False, True], held=[True, False])
    runner = SchedulerRunner(fast, gateway, lock)
    runner.start()
    try:
        await asyncio.wait_for(runner.leading.wait(), 5)
        deadline = time.monotonic() + 5
        while lock.released < 1 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert lock.released == 1  # the second heartbeat found the lock gone
        await asyncio.wait_for(runner.leading.wait(), 5)  # refused once, then it leads again
    finally:
        await runner.stop()
    assert "lost the leader lock, stopping the jobs" in caplog.text
    assert lock.released == 2
