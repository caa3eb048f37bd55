"""``python -m bot serve --workers 2`` as real processes on one port (SO_REUSEPORT): both
workers answer, exactly one runs the scheduler, SIGTERM stops them all; a colour changed
through either worker is what the next scan on each worker shows; with REDIS_URL set, a scan
limit holds across both. On SQLite and, when TEST_POSTGRES_URL is set, PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.services.access.staff import add_staff
from bot.services.codes.display import live_code, token_for
from bot.services.district_table import ensure_districts
from bot.services.residents.people import DOCUMENT
from bot.services.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.fakes.wechat_api import FakeWeChat
from tests.support import shared_state
from tests.support.districts import JIZHOU
from tests.support.people import make_person
from tests.support.processes import Bot, bot_env, healthy, show_logs_on_failure, until

needs_redis = pytest.mark.skipif(not shared_state.REDIS_URL, reason="TEST_REDIS_URL is not set")
LEADER = re.compile(r"scheduler: process (\d+) is the leader")
WORKERS = 2

Ask = Callable[[aiohttp.ClientSession], Awaitable[Any]]


async def per_worker(url: str, ask: Ask, *, each: int = 1, timeout: float = 60) -> dict[int, list]:
    """``ask``'s answers by the worker that gave them, until every worker gave ``each``: every
    try opens a new connection (the kernel picks its worker) and asks /healthz who it is. A
    worker still starting has not bound the port yet: the others get everything meanwhile."""
    answers: dict[int, list] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        connector = aiohttp.TCPConnector(limit=1)  # one connection: one worker per session
        async with aiohttp.ClientSession(connector=connector) as session:
            async with session.get(f"{url}/healthz") as response:
                worker = (await response.json())["worker"]
            if len(answers.get(worker, [])) < each:
                answers.setdefault(worker, []).append(await ask(session))
        if len(answers) == WORKERS and all(len(a) >= each for a in answers.values()):
            return answers
        await asyncio.sleep(0.01)
    raise AssertionError(f"not every worker answered {each} times: {answers}")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


async def test_two_workers_share_the_port_one_leads_both_see_each_colour_and_stop_on_sigterm(
    db: str, tmp_path: Path, fake_wechat: FakeWeChat
) -> None:
    env = bot_env(tmp_path, db, fake_wechat, HC_LEADER_RETRY_SECONDS="0.5")
    url = f"http://127.0.0.1:{env['PORT']}"
    rt = build_runtime(Settings.from_env(env))  # the workers' keys: the same data directory
    await ensure_districts(rt)
    person = await make_person(rt)  # green, living in 蓟州区
    token = token_for(rt, await live_code(person)).token
    _staff, checkpoint = await add_staff("检查员甲", "checkpoint")
    _staff, official = await add_staff("官员乙", "official")
    as_official = {"Authorization": f"Bearer {official}"}

    async def scan(session: aiohttp.ClientSession) -> str:
        body, headers = {"token": token}, {"Authorization": f"Bearer {checkpoint}"}
        async with session.post(f"{url}/api/checkpoint/scan", json=body, headers=headers) as r:
            assert r.status == 200, await r.text()
            return (await r.json())["color"]

    async def colours() -> dict[int, list[str]]:
        return await per_worker(url, scan)

    server = await Bot.start("serve", env, "--workers", str(WORKERS))
    try:
        await until(lambda: healthy(url), 60, "the workers to answer")
        first = await colours()
        workers = set(first)
        assert len(workers) == WORKERS and server.process.pid not in workers
        assert list(first.values()) == [["green"]] * WORKERS

        # a colour changed through whichever worker answers is what both scan next
        async with aiohttp.ClientSession(headers=as_official) as session:
            tier = {"tier": "high", "note": "聚集性疫情"}
            async with session.put(f"{url}/api/admin/districts/{JIZHOU}/tier", json=tier) as r:
                assert r.status == 200, await r.text()
        assert list((await colours()).values()) == [["orange"]] * WORKERS
        async with aiohttp.ClientSession(headers=as_official) as session:
            feed = {"source": "tj-cdc", "records": [_confirmed(rt, person.doc_number_sealed)]}
            async with session.post(f"{url}/api/admin/feeds", json=feed) as r:
                assert r.status == 200, await r.text()
        assert list((await colours()).values()) == [["red"]] * WORKERS

        async def leader_found() -> bool:
            return server.found(LEADER) is not None

        await until(leader_found, 30, "a leader")
        await asyncio.sleep(1.5)  # three retries of the other: it must stay a follower
        leaders = {int(m[1]) for _, line in server.lines if (m := LEADER.search(line))}
        assert len(leaders) == 1 and leaders <= workers

        server.process.terminate()
        assert await asyncio.wait_for(server.process.wait(), 60) == 0
        assert all(gone(pid) for pid in workers)
        assert "all workers stopped" in server.log
    finally:
        await server.stop()
        show_logs_on_failure(server)


def _confirmed(rt: Runtime, doc_number_sealed: str) -> dict[str, str]:
    return {
        "record_id": "case-1",
        "doc_type": "resident_id",
        "doc_number": rt.sealer.open(doc_number_sealed, DOCUMENT),
        "status": "confirmed",
        "since": (date.today() - timedelta(days=1)).isoformat(),
    }


@needs_redis
async def test_a_redis_kept_scan_limit_holds_across_both_workers(
    db: str, tmp_path: Path, fake_wechat: FakeWeChat
) -> None:
    burst = 4
    env = bot_env(
        tmp_path,
        db,
        fake_wechat,
        HC_RUN_SCHEDULER="0",
        REDIS_URL=shared_state.REDIS_URL,
        HC_SCANS_PER_MINUTE="1",  # no new scan within the test: only the burst
        HC_SCAN_BURST=str(burst),
    )
    url = f"http://127.0.0.1:{env['PORT']}"
    _staff, checkpoint = await add_staff("检查员甲", "checkpoint")
    await shared_state.forget_shared_keys()

    async def scan(session: aiohttp.ClientSession) -> int:
        body, headers = {"token": "HC1:nonsense"}, {"Authorization": f"Bearer {checkpoint}"}
        async with session.post(f"{url}/api/checkpoint/scan", json=body, headers=headers) as r:
            return r.status

    server = await Bot.start("serve", env, "--workers", str(WORKERS))
    try:
        await until(lambda: healthy(url), 60, "the workers to answer")
        by_worker = await per_worker(url, scan, each=burst)  # each alone would allow `burst`
    finally:
        await server.stop()
        show_logs_on_failure(server)
    statuses = [status for answers in by_worker.values() for status in answers]
    assert sorted(set(statuses)) == [200, 429]
    assert statuses.count(200) == burst  # one limit for both, not `burst` each
