"""Replayed WeChat calls (docs/security.md): a timestamp outside WeChat's 5-minute window, a nonce
already used by another message, and an ``openid`` that is not the sender are all refused,
whichever worker gets them; WeChat's own retry of a message is still answered from its record.

The nonces live in the database, and in Redis when TEST_REDIS_URL is set (``shared_settings``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from bot.app_state import CODEC, RUNTIME
from bot.services.callbacks.replay import nonce_key
from bot.settings import Settings
from bot.wechat import ServerRequest, build_event_xml, build_location_event_xml, build_text_xml
from models.dialogue import DialogueState, ProcessedMessage
from models.person import Account
from tests.conftest import AES_KEY, start_app
from tests.support.clock import FakeClock
from tests.support.wechat_user import ACCOUNT, WeChatUser

ANSWERS = ["申领", "欧阳娜娜", "1", "11010519491231002X", "13812345678", "1", "1", "1", "1", "1"]
WINDOW = 300
_created = iter(range(1_650_000_000, 1_700_000_000, 11))


@pytest.fixture
async def client(aiohttp_client, shared_settings: Settings, clock: FakeClock) -> TestClient:
    return await start_app(aiohttp_client, shared_settings, clock)


@pytest.fixture
async def safe_client(aiohttp_client, shared_settings: Settings, clock: FakeClock) -> TestClient:
    safe = dataclasses.replace(shared_settings, wechat_aes_key=AES_KEY)
    return await start_app(aiohttp_client, safe, clock)


def now(client: TestClient) -> int:
    return int(client.app[RUNTIME].now().timestamp())


def text(openid: str, content: str, msg_id: int | None = None) -> str:
    return build_text_xml(ACCOUNT, openid, content, msg_id or secrets.randbits(62), next(_created))


def signed(
    client: TestClient, xml: str, timestamp: str | None = None, nonce: str | None = None
) -> ServerRequest:
    """``xml`` as the WeChat server posts it, with a given timestamp and nonce."""
    return client.app[CODEC].server_request(
        xml,
        timestamp=str(now(client)) if timestamp is None else timestamp,
        nonce=nonce or secrets.token_hex(6),
    )


async def post(client: TestClient, request: ServerRequest) -> tuple[int, str]:
    response = await client.post("/wechat", params=request.query, data=request.body)
    return response.status, await response.text()


def replayed(original: ServerRequest, xml: str) -> ServerRequest:
    """A captured call's signed query with another body (and that body's sender as openid)."""
    other = ServerRequest(original.query, xml.encode())
    sender = xml.split("<FromUserName><![CDATA[", 1)[1].split("]]>", 1)[0]
    return dataclasses.replace(other, query=original.query | {"openid": sender})


def reply_of(client: TestClient, body: str) -> str:
    reply = client.app[CODEC].open_reply(body)
    return reply.content if reply else ""


# --- the timestamp's window -------------------------------------------------------------------


@pytest.mark.parametrize(
    "timestamp",
    [
        pytest.param(lambda now: "0", id="1970"),
        pytest.param(lambda now: "4102444800", id="2100"),
        pytest.param(lambda now: "abc", id="letters"),
        pytest.param(lambda now: "", id="empty"),
        pytest.param(lambda now: str(now - WINDOW - 1), id="5-minutes-old"),
        pytest.param(lambda now: str(now + WINDOW + 1), id="5-minutes-ahead"),
        pytest.param(lambda now: "".join(chr(0xFF10 + int(d)) for d in str(now)), id="full-width"),
        pytest.param(lambda now: "9" * 5000, id="five-thousand-digits"),
        pytest.param(lambda now: f"{now}.5", id="fraction"),
        pytest.param(lambda now: f"-{now}", id="negative"),
    ],
)
async def test_a_timestamp_outside_the_window_is_refused_and_changes_nothing(
    client: TestClient, timestamp
) -> None:
    stamp = timestamp(now(client))
    status, _ = await post(client, signed(client, text("o-late", "申领"), timestamp=stamp))
    check = signed(client, "", timestamp=stamp).query | {"echostr": "42"}
    url_check = await client.get("/wechat", params=check)

    assert status == 403 and url_check.status == 403
    assert "42" not in await url_check.text()
    assert await Account.all().count() == 0 and await ProcessedMessage.all().count() == 0


@pytest.mark.parametrize("offset", [-WINDOW + 1, 0, WINDOW - 1])
async def test_a_timestamp_inside_the_window_is_taken(client: TestClient, offset: int) -> None:
    request = signed(client, text("o-on-time", "帮助"), timestamp=str(now(client) + offset))

    status, body = await post(client, request)

    assert status == 200 and reply_of(client, body)


async def test_the_window_is_one_setting_the_codec_and_the_nonces_both_read(
    aiohttp_client, shared_settings: Settings, clock: FakeClock
) -> None:
    """``callback_window_seconds``: the codec refuses outside it, and a nonce bound in Redis is
    kept for it on both sides of now."""
    narrow = dataclasses.replace(shared_settings, callback_window_seconds=60)
    client = await start_app(aiohttp_client, narrow, clock)
    late = signed(client, text("o-late", "帮助"), timestamp=str(now(client) - 61))
    assert (await post(client, late))[0] == 403
    nonce = secrets.token_hex(6)
    on_time = signed(client, text("o-on-time", "帮助"), str(now(client) - 59), nonce)
    assert (await post(client, on_time))[0] == 200
    if narrow.redis_url is None:
        return  # the nonce is in the message's dedup row, kept as long as the row
    redis = Redis.from_url(narrow.redis_url)
    try:
        key = "hc:wechat:nonce:" + nonce_key(on_time.query["timestamp"], nonce)
        assert 2 * 60 - 5 <= await redis.ttl(key) <= 2 * 60 + 1
    finally:
        await redis.aclose()


# --- the nonce --------------------------------------------------------------------------------


async def test_a_captured_call_with_another_sender_and_body_is_refused(client: TestClient) -> None:
    original = signed(client, text("o-victim", "帮助"))
    assert (await post(client, original))[0] == 200

    for xml in (text("o-attacker", "申领"), text("o-victim", "注销"), text("o-victim", "亮码")):
        status, body = await post(client, replayed(original, xml))
        assert status == 403, body

    assert await Account.filter(openid="o-attacker").count() == 0
    assert await DialogueState.all().count() == 0  # 申领 and 注销 started nothing
    assert await ProcessedMessage.all().count() == 1


async def test_wechats_own_retry_is_answered_from_the_record(client: TestClient) -> None:
    """WeChat retries a message it got no answer to; the same call again is that retry."""
    original = signed(client, text("o-resident", "申领"))

    answers = [await post(client, original) for _ in range(3)]

    assert [status for status, _ in answers] == [200, 200, 200]
    assert len({reply_of(client, body) for _, body in answers}) == 1
    assert "【1/9】" in reply_of(client, answers[0][1])
    assert await ProcessedMessage.all().count() == 1


async def test_a_captured_safe_mode_call_cannot_be_turned_to_another_sender(
    safe_client: TestClient,
) -> None:
    original = signed(safe_client, text("o-victim", "申领"))
    first = await post(safe_client, original)

    retried = await post(safe_client, original)
    other = await post(
        safe_client, dataclasses.replace(original, query=original.query | {"openid": "o-attacker"})
    )

    assert first[0] == retried[0] == 200
    assert reply_of(safe_client, retried[1]) == reply_of(safe_client, first[1])
    assert other[0] == 403
    assert await Account.filter(openid="o-attacker").count() == 0


async def test_two_workers_share_the_nonces_they_have_seen(
    aiohttp_client, shared_settings: Settings, clock: FakeClock
) -> None:
    first = await start_app(aiohttp_client, shared_settings, clock)
    second = await start_app(aiohttp_client, shared_settings, clock)
    original = signed(first, text("o-victim", "帮助"))
    assert (await post(first, original))[0] == 200

    status, _ = await post(second, replayed(original, text("o-attacker", "申领")))

    assert status == 403
    assert await Account.filter(openid="o-attacker").count() == 0


async def test_a_replay_racing_its_original_is_refused(client: TestClient) -> None:
    original = signed(client, text("o-victim", "申领"))
    copies = [replayed(original, text(f"o-attacker-{i}", "申领")) for i in range(4)]

    answers = await asyncio.gather(*(post(client, r) for r in [original, *copies]))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 403, 403, 403, 403]
    assert await ProcessedMessage.all().count() == 1
    assert await DialogueState.all().count() == 1


# --- the sender -------------------------------------------------------------------------------


@pytest.mark.parametrize("openid", ["o-someone-else", "", None], ids=["other", "empty", "missing"])
async def test_the_openid_of_the_url_must_be_the_sender(client: TestClient, openid) -> None:
    request = signed(client, text("o-resident", "申领"))
    query = {k: v for k, v in request.query.items() if k != "openid"}
    if openid is not None:
        query["openid"] = openid

    status, _ = await post(client, ServerRequest(query, request.body))

    assert status == 403
    assert await Account.all().count() == 0 and await ProcessedMessage.all().count() == 0


# --- what a redelivery is ---------------------------------------------------------------------


async def test_another_senders_copy_of_a_msg_id_gets_its_own_answer(client: TestClient) -> None:
    victim = WeChatUser(client, client.app[CODEC], "o-user-a")
    await victim.converse(*ANSWERS)
    msg_id = secrets.randbits(62)
    shown = await victim.say("亮码", msg_id=msg_id)
    assert "欧**娜" in shown and "/c/" in shown

    other = await WeChatUser(client, client.app[CODEC], "o-user-b").say("亮码", msg_id=msg_id)

    assert "欧**娜" not in other and "/c/" not in other


async def test_events_of_the_same_second_are_each_answered(client: TestClient) -> None:
    resident = WeChatUser(client, client.app[CODEC], "o-clicker")
    created = next(_created)
    events = [
        build_location_event_xml(ACCOUNT, resident.openid, 39.1, 117.2, created=created),
        build_event_xml(ACCOUNT, resident.openid, "CLICK", "SHOW_CODE", created),
        build_event_xml(ACCOUNT, resident.openid, "CLICK", "APPLY", created),
    ]

    replies = [await resident.send(xml) for xml in events]

    assert "【1/9】" in replies[2]
    assert replies[1] != replies[2]
    assert await ProcessedMessage.all().count() == 3
    assert (await DialogueState.get()).step == "name"
