"""Scan logs by group commit, against a real server process: a 200 means the scan's row is
committed. The server is killed with SIGKILL in the middle of a load of scans, and every scan
it answered 200 is in the database (on SQLite and, when TEST_POSTGRES_URL is set, PostgreSQL)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from bot.services.access.staff import add_staff
from bot.services.codes.display import live_code, token_for
from bot.services.district_table import ensure_districts
from bot.services.runtime import build_runtime
from bot.settings import Settings
from models.staff import ScanLog
from tests.fakes.wechat_api import FakeWeChat
from tests.support.people import make_person
from tests.support.processes import Bot, bot_env, healthy, show_logs_on_failure, until

CLIENTS = 24
ANSWERED_BEFORE_THE_KILL = 300


async def test_every_scan_answered_200_is_on_record_after_a_sigkill(
    db: str, tmp_path: Path, fake_wechat: FakeWeChat
) -> None:
    env = bot_env(
        tmp_path,
        db,
        fake_wechat,
        HC_RUN_SCHEDULER="0",
        HC_SCANS_PER_MINUTE="0",
        HC_SCAN_LOG_LINGER_MS="5",  # batches wait a little: the kill lands among waiting scans
    )
    rt = build_runtime(Settings.from_env(env))  # the server's keys: same data directory
    await ensure_districts(rt)
    token = token_for(rt, await live_code(await make_person(rt))).token
    _staff, secret = await add_staff("检查员甲", "checkpoint")
    url = f"http://127.0.0.1:{env['PORT']}"
    answered: list[str] = []
    unanswered = 0

    async def scanning(session: aiohttp.ClientSession, client: int) -> None:
        nonlocal unanswered
        for n in range(100_000):
            place = f"kill-{client}-{n}"
            body = {"token": token, "place": place}
            try:
                async with session.post(f"{url}/api/checkpoint/scan", json=body) as response:
                    assert response.status == 200, await response.text()
                    assert (await response.json())["verdict"] == "pass"
            except aiohttp.ClientError:
                unanswered += 1  # in flight when the process died
                return
            answered.append(place)

    server = await Bot.start("serve", env)
    try:
        await until(lambda: healthy(url), 60, "the server to answer")
        headers = {"Authorization": f"Bearer {secret}"}
        async with aiohttp.ClientSession(headers=headers) as session:
            load = [asyncio.create_task(scanning(session, c)) for c in range(CLIENTS)]

            async def enough() -> bool:
                return len(answered) >= ANSWERED_BEFORE_THE_KILL

            await until(enough, 60, f"{ANSWERED_BEFORE_THE_KILL} answered scans", step=0.01)
            await server.kill()
            await asyncio.wait_for(asyncio.gather(*load), 30)
    finally:
        await server.stop()
        show_logs_on_failure(server)

    assert unanswered > 0, "the kill was meant to land while scans were in flight"
    stored = set(await ScanLog.filter(place__startswith="kill-").values_list("place", flat=True))
    assert set(answered) <= stored
    assert len(stored) < len(answered) + CLIENTS  # at most the ones in flight besides
