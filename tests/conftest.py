"""Shared fixtures: a database per backend, a hand-moved clock, the fake WeChat API, the app."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import settings as hypothesis_settings

from bot.app import create_app
from bot.app_state import CODEC, GATEWAY, RUNTIME
from bot.db import close_database, open_database
from bot.services.runtime import Runtime
from bot.settings import Settings
from tests.fakes.wechat_api import (
    MINIAPP_APPID,
    MINIAPP_SECRET,
    OFFICIAL_APPID,
    OFFICIAL_SECRET,
    FakeWeChat,
)
from tests.support import databases, fuzz, shared_state
from tests.support.clock import FakeClock
from tests.support.wechat_user import WeChatUser

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

# Property tests judge behaviour, not speed (bench/ measures that): Hypothesis's default 200 ms
# deadline fails them on a loaded CI machine for reasons unrelated to what they check.
hypothesis_settings.register_profile("suite", deadline=None, print_blob=True)
hypothesis_settings.load_profile("suite")


@pytest.fixture
async def fake_wechat() -> AsyncIterator[FakeWeChat]:
    """The fake WeChat API on a free loopback port; `.base_url` is its root."""
    fake = FakeWeChat()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("/"))
    try:
        yield fake
    finally:
        await server.close()


@pytest.fixture(params=databases.BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return await databases.prepare(request.param, tmp_path)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """The ORM opened on a migrated, empty database (for tests without the web app)."""
    await open_database(database_url)
    yield database_url
    await close_database()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, fake_wechat: FakeWeChat) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        public_base_url="http://testserver",
        wechat_appid=OFFICIAL_APPID,
        wechat_secret=OFFICIAL_SECRET,
        miniapp_appid=MINIAPP_APPID,
        miniapp_secret=MINIAPP_SECRET,
        wechat_api_base=fake_wechat.base_url,
        run_scheduler=False,
        # the clock of a test stands still, so no bucket would ever refill: the limits have
        # their own tests (test_rate_limits.py), which turn them on
        messages_per_minute=0,
        scans_per_minute=0,
        lookups_per_minute=0,
    )


@pytest.fixture
def safe_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, wechat_aes_key=AES_KEY)


async def start_app(aiohttp_client, settings: Settings, clock: FakeClock) -> TestClient:
    return await aiohttp_client(create_app(settings, clock))


@pytest.fixture
async def client(aiohttp_client, settings: Settings, clock: FakeClock) -> TestClient:
    return await start_app(aiohttp_client, settings, clock)


@pytest.fixture
def runtime(client: TestClient) -> Runtime:
    return client.app[RUNTIME]


@pytest.fixture
def gateway(client: TestClient):
    return client.app[GATEWAY]


@pytest.fixture
def resident(client: TestClient) -> WeChatUser:
    return WeChatUser(client, client.app[CODEC], "o-resident-1")


@pytest.fixture(params=shared_state.STORES)
async def shared_settings(request: pytest.FixtureRequest, settings: Settings):
    """``settings`` with the nonces in the database, and in Redis when TEST_REDIS_URL is set."""
    if request.param == "database":
        yield settings
        return
    await shared_state.forget_shared_keys()
    yield dataclasses.replace(settings, redis_url=shared_state.REDIS_URL)
    await shared_state.forget_shared_keys()


def pytest_terminal_summary(terminalreporter) -> None:
    """The fuzz test's cases of this run (issue 9: report the number of cases per run)."""
    if fuzz.CASES:
        cases = ", ".join(f"{count} {target}" for target, count in sorted(fuzz.CASES.items()))
        terminalreporter.write_line(f"fuzz: {sum(fuzz.CASES.values())} cases ({cases})")
