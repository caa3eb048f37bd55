"""The limits of docs/architecture.md: messages per chat account and scans per checkpoint worker.

The suite's settings turn both off (its clock stands still, so no bucket would refill); these
tests turn them on with small numbers and move the clock by hand. Each runs with the limits in
the process's memory and, when TEST_REDIS_URL is set, in Redis (bot/rate_limits.py).
"""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from bot.app_state import CODEC
from bot.rate_limits import RedisRateLimit
from bot.services.access.staff import add_staff
from bot.settings import Settings, SettingsError
from models.declaration import Declaration
from models.dialogue import ProcessedMessage
from models.staff import ScanLog
from tests.conftest import start_app
from tests.support.clock import FakeClock
from tests.support.scans import post_scan, scanned_token
from tests.support.wechat_user import WeChatUser

TOO_FAST = "您发送消息太快了"


@pytest.fixture
async def chat(aiohttp_client, shared_settings: Settings, clock: FakeClock) -> TestClient:
    """30 messages a minute (one every 2 s), bursts of 3; in memory, or in Redis."""
    limited = dataclasses.replace(shared_settings, messages_per_minute=30, message_burst=3)
    return await start_app(aiohttp_client, limited, clock)


@pytest.fixture
async def gate(aiohttp_client, shared_settings: Settings, clock: FakeClock) -> TestClient:
    """60 scans a minute (one a second), bursts of 2; in memory, or in Redis."""
    limited = dataclasses.replace(shared_settings, scans_per_minute=60, scan_burst=2)
    return await start_app(aiohttp_client, limited, clock)


def user(client: TestClient, openid: str) -> WeChatUser:
    return WeChatUser(client, client.app[CODEC], openid)


# --- messages ---------------------------------------------------------------------------------


async def test_a_flood_is_told_once_and_not_read(chat: TestClient, clock: FakeClock) -> None:
    resident = user(chat, "o-flood")
    assert "姓名" in await resident.say("申领")
    assert "证件类型" in await resident.say("张三")
    assert "身份证号码" in await resident.say("1")
    told = await resident.say("11010519491231002X")
    assert told == "您发送消息太快了，这条消息没有处理。请 2 秒后再发送。"
    assert await resident.say("11010519491231002X") == ""  # the rest of the run: `success`
    assert await resident.say("13812345678") == ""
    # nothing of the refused messages was read or recorded
    assert await ProcessedMessage.all().count() == 3
    clock.advance(seconds=2)
    assert "手机号" in await resident.say("11010519491231002X")  # the step it was at
    assert TOO_FAST in await resident.say("13812345678")  # a new run is told again


async def test_the_refusal_speaks_the_accounts_language(chat: TestClient) -> None:
    resident = user(chat, "o-english")
    await resident.say("English")
    await resident.say("help")
    await resident.say("help")
    told = await resident.say("help")
    assert told.startswith("You are sending messages too fast") and "2 seconds" in told


async def test_accounts_have_their_own_limits(chat: TestClient) -> None:
    first, second = user(chat, "o-first"), user(chat, "o-second")
    for _ in range(3):
        await first.say("帮助")
    assert TOO_FAST in await first.say("帮助")
    assert TOO_FAST not in await second.say("帮助")


async def test_location_reports_do_not_count(chat: TestClient) -> None:
    """A phone that shares its position reports it every 5 seconds, unasked."""
    resident = user(chat, "o-located")
    for _ in range(10):
        await resident.location(39.12, 117.20)
    for _ in range(3):
        assert TOO_FAST not in await resident.say("帮助")


async def test_a_declaration_at_a_persons_pace_is_never_refused(
    chat: TestClient, clock: FakeClock
) -> None:
    resident = user(chat, "o-steady")
    answers = ["申领", "张三", "1", "11010519491231002X", "13812345678", "1", "1", "1", "1", "1"]
    for answer in answers:
        clock.advance(seconds=2)
        assert TOO_FAST not in await resident.say(answer)
    assert await Declaration.all().count() == 1


# --- scans ------------------------------------------------------------------------------------


async def test_a_worker_scanning_too_fast_waits(gate: TestClient, clock: FakeClock) -> None:
    token = await scanned_token(gate, user(gate, "o-scanned"))
    _staff, worker = await add_staff("检查员甲", "checkpoint")
    _staff, colleague = await add_staff("检查员乙", "checkpoint")
    for _ in range(2):
        assert (await post_scan(gate, worker, {"token": token})).status == 200
    refused = await post_scan(gate, worker, {"token": token})
    assert refused.status == 429 and refused.headers["Retry-After"] == "1"
    error = (await refused.json())["error"]
    assert error["code"] == "scan.too_fast" and "1 秒后再试" in error["message"]
    assert await ScanLog.all().count() == 2  # the refused scan read nothing and logged nothing
    assert (await post_scan(gate, colleague, {"token": token})).status == 200
    clock.advance(seconds=1)
    assert (await post_scan(gate, worker, {"token": token})).status == 200
    metrics = await (await gate.get("/metrics")).text()
    assert 'healthcode_rate_limited_total{limit="scans"}' in metrics
    assert 'healthcode_scans_total{verdict="pass"}' in metrics


async def test_a_bad_token_does_not_spend_the_limit(gate: TestClient) -> None:
    """The limit is a worker's: a request without a valid worker token is refused before it."""
    for _ in range(5):
        assert (await post_scan(gate, "hc_ck_forged", {"token": "x"})).status == 401
    _staff, worker = await add_staff("检查员丙", "checkpoint")
    assert (await post_scan(gate, worker, {"token": "HC1:nonsense"})).status == 200


# --- configuration ----------------------------------------------------------------------------


def test_the_limits_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"HC_MESSAGES_PER_MINUTE": "0", "HC_SCAN_BURST": "5"})
    assert settings.messages_per_minute == 0 and settings.scan_burst == 5
    assert Settings.from_env({}).messages_per_minute == 30


@pytest.mark.parametrize(
    ("name", "value"),
    [("HC_MESSAGES_PER_MINUTE", "-1"), ("HC_MESSAGE_BURST", "0"), ("HC_SCAN_BURST", "many")],
)
def test_a_nonsense_limit_stops_the_start_with_its_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


async def test_a_limit_whose_redis_stopped_answering_lets_requests_through() -> None:
    """A checkpoint keeps working when the limiter's store does not (the log says so). The app
    refuses to start on an unreachable REDIS_URL (bot.shared_state); this is Redis going
    away afterwards."""
    gone = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    limit = RedisRateLimit(lambda: gone, "scans", per_minute=60, burst=1, clock=lambda: 1000.0)
    try:
        assert [(await limit.take("staff:1")).allowed for _ in range(3)] == [True] * 3
    finally:
        await gone.aclose()
