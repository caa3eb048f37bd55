"""The WeChat channel end to end: POST/GET /wechat as the WeChat server calls them (signatures,
plaintext and safe mode, retries, every kind of message and event, hostile bodies), the
dialogue's idle expiry, personal data at rest, and the code image through the outbox.

Every assertion is on what goes over HTTP and on rows read back from the database.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import CODEC, RUNTIME
from bot.wechat import (
    MAX_BODY_BYTES,
    CallbackCodec,
    build_event_xml,
    build_image_xml,
    build_link_xml,
    build_location_event_xml,
    build_location_xml,
    build_text_xml,
    build_video_xml,
    build_voice_xml,
    sign_request,
)
from models.code import CodeChange, HealthCode
from models.declaration import Declaration
from models.dialogue import DialogueState, ProcessedMessage
from models.outbox import Notice
from models.person import Account, Person
from tests.conftest import start_app
from tests.support.clock import FakeClock
from tests.support.rows import raw_rows, table_names
from tests.support.wechat_user import ACCOUNT, WeChatUser

NAME = "欧阳娜娜"
VALID_ID = "11010519491231002X"
PHONE = "13812345678"
ANSWERS = [NAME, "1", VALID_ID, PHONE, "1", "1", "1", "1"]
# WeChat gives up on a passive reply after 5 s and retries the message.
WECHAT_BUDGET_SECONDS = 5.0
# Each test gets its own creation times, far from WeChatUser's own counter.
_created = iter(range(1_600_000_000, 1_700_000_000, 7))

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName>gh_healthcode00</ToUserName><FromUserName>o-attacker</FromUserName>
<CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>&lol9;</Content>
<MsgId>1</MsgId></xml>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_healthcode00</ToUserName><FromUserName>o-attacker</FromUserName>
<CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content>
<MsgId>2</MsgId></xml>"""


# --- helpers ---------------------------------------------------------------------------------


def token_of(client: TestClient) -> str:
    return client.app[RUNTIME].settings.wechat_token


def signed_query(token: str, **extra: str) -> dict[str, str]:
    """A query string signed as WeChat signs it: the body is what is under test."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(6)
    query = {"timestamp": timestamp, "nonce": nonce}
    query["signature"] = sign_request(token, timestamp, nonce)
    return query | extra


def text_xml(openid: str, content: str, msg_id: int | None = None) -> str:
    return build_text_xml(ACCOUNT, openid, content, msg_id or secrets.randbits(62), next(_created))


async def post_raw(client: TestClient, query: dict[str, str], body: bytes) -> tuple[int, str]:
    response = await client.post("/wechat", params=query, data=body)
    return response.status, await response.text()


async def deliver(client: TestClient, xml: str, mode: str | None = None) -> tuple[int, str]:
    """`xml` exactly as the WeChat server posts it (safe mode when the app has an AES key)."""
    request = client.app[CODEC].server_request(
        xml, timestamp=str(int(time.time())), nonce=secrets.token_hex(6), mode=mode
    )
    return await post_raw(client, request.query, request.body)


def opened(codec: CallbackCodec, body: str) -> str:
    reply = codec.open_reply(body)
    return reply.content if reply else ""


async def nothing_written() -> bool:
    return (
        await Account.all().count() == 0
        and await ProcessedMessage.all().count() == 0
        and await DialogueState.all().count() == 0
    )


def in_clear(rows: list[dict]) -> list[str]:
    """Which of the resident's name, document and phone appear anywhere in `rows`."""
    text = repr(rows)
    return [value for value in (NAME, VALID_ID, PHONE) if value in text]


async def reach_summary(user: WeChatUser) -> None:
    await user.say("申领")
    replies = await user.converse(*ANSWERS)
    assert "请核对申报信息" in replies[-1]


@pytest.fixture
async def safe_client(aiohttp_client, safe_settings, clock: FakeClock) -> TestClient:
    return await start_app(aiohttp_client, safe_settings, clock)


@pytest.fixture
async def debug_logs(caplog: pytest.LogCaptureFixture) -> AsyncIterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


# --- GET /wechat: the URL check --------------------------------------------------------------


async def test_the_url_check_echoes_echostr(client: TestClient) -> None:
    query = signed_query(token_of(client), echostr="6354961296518475390")

    response = await client.get("/wechat", params=query)

    assert response.status == 200
    assert await response.text() == "6354961296518475390"


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda q: q | {"signature": "0" * 40}, id="wrong-signature"),
        pytest.param(lambda q: {k: v for k, v in q.items() if k != "signature"}, id="missing"),
        pytest.param(
            lambda q: q | {"signature": sign_request("other-token", q["timestamp"], q["nonce"])},
            id="another-token",
        ),
        pytest.param(lambda q: q | {"timestamp": str(int(q["timestamp"]) + 1)}, id="timestamp"),
        pytest.param(lambda q: q | {"nonce": q["nonce"] + "x"}, id="nonce"),
    ],
)
async def test_the_url_check_refuses_a_bad_signature(client: TestClient, spoil) -> None:
    query = spoil(signed_query(token_of(client), echostr="6354961296518475390"))

    response = await client.get("/wechat", params=query)

    assert response.status == 403
    assert "6354961296518475390" not in await response.text()


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda q: q | {"signature": "0" * 40}, id="wrong-signature"),
        pytest.param(lambda q: {k: v for k, v in q.items() if k != "signature"}, id="missing"),
        pytest.param(lambda q: {}, id="no-query"),
        pytest.param(
            lambda q: q | {"signature": sign_request("other-token", q["timestamp"], q["nonce"])},
            id="another-token",
        ),
    ],
)
async def test_a_message_with_a_bad_signature_is_refused_and_changes_nothing(
    client: TestClient, spoil
) -> None:
    query = spoil(signed_query(token_of(client)))

    status, _ = await post_raw(client, query, text_xml("o-intruder", "申领").encode())

    assert status == 403
    assert await nothing_written()


# --- safe mode (AES) --------------------------------------------------------------------------


async def test_the_whole_declaration_in_safe_mode(safe_client: TestClient) -> None:
    codec = safe_client.app[CODEC]
    openid = "o-safe-resident"
    replies = []
    for answer in ["申领", *ANSWERS, "1"]:
        status, body = await deliver(safe_client, text_xml(openid, answer))
        assert status == 200, body
        assert "<Encrypt>" in body
        reply = codec.open_reply(body)
        assert reply is not None and reply.kind == "text"
        assert (reply.to_user, reply.from_user) == (openid, ACCOUNT)
        # Nothing of the answer leaks beside the ciphertext.
        assert reply.content[:4] not in body and "申报" not in body and NAME not in body
        replies.append(reply.content)

    assert "【1/9】" in replies[0] and "【2/9】" in replies[1]
    assert "1101**********002X" in replies[-2] and VALID_ID not in replies[-2]
    assert "申报已提交" in replies[-1] and "绿码" in replies[-1] and "/c/" in replies[-1]
    person = await Person.get()
    assert (await HealthCode.get(person_id=person.id)).color == "green"
    assert await Declaration.filter(person_id=person.id).count() == 1


async def test_compatible_mode_is_answered_encrypted(safe_client: TestClient) -> None:
    status, body = await deliver(safe_client, text_xml("o-compat", "申领"), mode="compatible")

    assert status == 200
    assert "<Encrypt>" in body and "姓名" not in body
    assert "【1/9】" in opened(safe_client.app[CODEC], body)


async def test_a_plaintext_message_to_a_safe_mode_account_is_answered_in_plaintext(
    safe_client: TestClient,
) -> None:
    # While the account's mode is being switched, WeChat may still post plaintext.
    status, body = await deliver(safe_client, text_xml("o-plain", "申领"), mode="plain")

    assert status == 200
    assert "<Encrypt>" not in body and "【1/9】" in body


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda q: q | {"msg_signature": "0" * 40}, id="wrong"),
        pytest.param(lambda q: {k: v for k, v in q.items() if k != "msg_signature"}, id="missing"),
        pytest.param(
            lambda q: q | {"msg_signature": sign_request("x", q["timestamp"], q["nonce"])},
            id="another-token",
        ),
    ],
)
async def test_a_safe_mode_message_with_a_bad_msg_signature_is_refused(
    safe_client: TestClient, spoil
) -> None:
    request = safe_client.app[CODEC].server_request(
        text_xml("o-intruder", "申领"), timestamp=str(int(time.time())), nonce="n0nce"
    )

    status, _ = await post_raw(safe_client, spoil(request.query), request.body)

    assert status == 403
    assert await nothing_written()


@pytest.mark.parametrize("event", ["unsubscribe", "VIEW", "LOCATION"])
async def test_in_safe_mode_no_answer_is_the_plain_word_success(
    safe_client: TestClient, event: str
) -> None:
    if event == "LOCATION":
        xml = build_location_event_xml(ACCOUNT, "o-safe", 39.13, 117.2, created=next(_created))
    else:
        key = "http://testserver/c/x" if event == "VIEW" else None
        xml = build_event_xml(ACCOUNT, "o-safe", event, key, next(_created))

    status, body = await deliver(safe_client, xml)

    assert (status, body) == (200, "success")


# --- retries ----------------------------------------------------------------------------------


async def test_a_retried_confirmation_is_answered_the_same_and_declared_once(
    resident: WeChatUser,
) -> None:
    await reach_summary(resident)
    msg_id = secrets.randbits(62)

    replies = [await resident.say("1", msg_id=msg_id) for _ in range(3)]

    assert "申报已提交" in replies[0]
    assert replies[1] == replies[0] and replies[2] == replies[0]
    assert await Declaration.all().count() == 1
    assert await CodeChange.all().count() == 1
    assert await Notice.all().count() == 1
    assert await ProcessedMessage.filter(key=f"mp:{resident.openid}:{msg_id}").count() == 1


async def test_retries_arriving_together_are_answered_the_same_and_declared_once(
    resident: WeChatUser,
) -> None:
    # WeChat retries when the first delivery has not been answered yet: they can overlap.
    await reach_summary(resident)
    xml = text_xml(resident.openid, "1")

    replies = await asyncio.gather(*(resident.send(xml) for _ in range(3)))

    assert "申报已提交" in replies[0] and len(set(replies)) == 1
    assert await Declaration.all().count() == 1
    assert await CodeChange.all().count() == 1
    assert await Notice.all().count() == 1


async def test_a_retried_answer_is_not_taken_as_the_next_step(resident: WeChatUser) -> None:
    await resident.say("申领")
    msg_id = secrets.randbits(62)

    first = await resident.say(NAME, msg_id=msg_id)
    again = await resident.say(NAME, msg_id=msg_id)

    assert "【2/9】" in first and again == first
    assert (await DialogueState.get()).step == "doc_type"
    # Had the retry been taken as the document-type answer it would have been refused.
    assert "【3/9】" in await resident.say("1")


async def test_a_retried_subscribe_event_is_processed_once(resident: WeChatUser) -> None:
    created = next(_created)

    first = await resident.event("subscribe", created=created)
    again = await resident.event("subscribe", created=created)

    assert "您好" in first and again == first
    assert await ProcessedMessage.all().count() == 1
    assert await ProcessedMessage.filter(key=f"mp:{resident.openid}:{created}:subscribe:").exists()


async def test_a_retried_menu_click_does_not_restart_the_dialogue(resident: WeChatUser) -> None:
    xml = build_event_xml(ACCOUNT, resident.openid, "CLICK", "APPLY", next(_created))
    first = await resident.send(xml)
    assert "【2/9】" in await resident.say(NAME)

    again = await resident.send(xml)

    assert again == first and "【1/9】" in again
    assert (await DialogueState.get()).step == "doc_type"


async def test_a_new_event_a_second_later_is_a_new_event(resident: WeChatUser) -> None:
    created = next(_created)

    await resident.event("subscribe", created=created)
    await resident.event("subscribe", created=created + 1)

    assert await ProcessedMessage.all().count() == 2


# --- every reply arrives ----------------------------------------------------------------------


async def test_every_reply_arrives_inside_wechats_budget_even_when_wechat_is_slow(
    client: TestClient, resident: WeChatUser, fake_wechat
) -> None:
    # Were any request to wait on the WeChat API, it would take longer than the budget.
    fake_wechat.delay("*", WECHAT_BUDGET_SECONDS + 1)
    timings = []
    for answer in ["申领", *ANSWERS, "1", "亮码", "帮助"]:
        started = time.perf_counter()
        reply = await resident.say(answer)
        timings.append(time.perf_counter() - started)
        assert reply
    started = time.perf_counter()
    await resident.click("SHOW_CODE")
    timings.append(time.perf_counter() - started)

    assert max(timings) < WECHAT_BUDGET_SECONDS, timings
    assert fake_wechat.calls == []


# --- messages that are not text, and events ---------------------------------------------------


UNKNOWN_TYPE = (
    "<xml><ToUserName><![CDATA[gh_healthcode00]]></ToUserName>"
    "<FromUserName><![CDATA[o-resident-1]]></FromUserName>"
    "<CreateTime>1700000001</CreateTime><MsgType><![CDATA[hologram]]></MsgType>"
    "<Payload><![CDATA[?]]></Payload><MsgId>7000000000000000001</MsgId></xml>"
)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(lambda o: build_image_xml(ACCOUNT, o, "media-1"), "文字", id="image"),
        pytest.param(lambda o: build_voice_xml(ACCOUNT, o, "media-2"), "文字", id="voice"),
        pytest.param(
            lambda o: build_voice_xml(ACCOUNT, o, "media-3", recognition="申领"),
            "文字",
            id="voice-with-transcript",
        ),
        pytest.param(lambda o: build_video_xml(ACCOUNT, o, "media-4"), "文字", id="video"),
        pytest.param(
            lambda o: build_video_xml(ACCOUNT, o, "media-5", short=True), "文字", id="shortvideo"
        ),
        pytest.param(
            lambda o: build_link_xml(ACCOUNT, o, "健康码", "https://example.org/"),
            "文字",
            id="link",
        ),
        pytest.param(
            lambda o: build_location_xml(ACCOUNT, o, 39.12, 117.19, label="和平区"),
            "位置",
            id="location",
        ),
        pytest.param(lambda o: UNKNOWN_TYPE, "文字", id="unknown-type"),
    ],
)
async def test_a_message_that_is_not_text_gets_a_short_helpful_answer(
    resident: WeChatUser, build, expected: str
) -> None:
    reply = await resident.send(build(resident.openid))

    assert resident.last_status == 200
    assert expected in reply and ("申领" in reply or "帮助" in reply)
    assert len(reply) < 200


async def test_a_picture_in_the_middle_of_the_dialogue_leaves_it_where_it_was(
    resident: WeChatUser,
) -> None:
    await resident.say("申领")
    await resident.say(NAME)

    assert "文字" in await resident.image()

    assert "居民身份证号码" in await resident.say("1")


@pytest.mark.parametrize(
    ("event", "key", "expected"),
    [
        pytest.param("subscribe", None, ["您好", "申领", "亮码", "取消", "帮助"], id="subscribe"),
        pytest.param("unsubscribe", None, None, id="unsubscribe"),
        pytest.param("CLICK", "APPLY", ["【1/9】", "姓名"], id="click-apply"),
        pytest.param("CLICK", "SHOW_CODE", ["还没有健康码"], id="click-show-code"),
        # the family flows are being built: any sentence will do, as long as there is one
        pytest.param("CLICK", "FAMILY", [], id="click-family"),
        pytest.param("CLICK", "SWITCH", [], id="click-switch"),
        pytest.param("CLICK", "APPEAL", [], id="click-appeal"),
        pytest.param("CLICK", "NO_SUCH_KEY", None, id="click-unknown-key"),
        pytest.param("CLICK", None, None, id="click-without-key"),
        pytest.param("VIEW", "https://testserver/c/abc", None, id="view"),
        pytest.param("SCAN", "42", None, id="scan"),
        pytest.param("TEMPLATESENDJOBFINISH", None, None, id="template-report"),
    ],
)
async def test_events_get_an_answer_or_success(
    resident: WeChatUser, event: str, key: str | None, expected: list[str] | None
) -> None:
    """`expected` None: the plain `success`; otherwise a text reply holding those words."""
    xml = build_event_xml(ACCOUNT, resident.openid, event, key, next(_created))

    status, body = await deliver(resident.client, xml)

    assert status == 200
    if expected is None:
        assert body == "success"
    else:
        reply = opened(resident.codec, body)
        assert reply and "系统繁忙" not in reply
        assert all(word in reply for word in expected), reply


async def test_a_location_report_is_acknowledged_silently(resident: WeChatUser) -> None:
    xml = build_location_event_xml(ACCOUNT, resident.openid, 39.13, 117.2, created=next(_created))

    assert await deliver(resident.client, xml) == (200, "success")


# --- malformed bodies -------------------------------------------------------------------------


def _big_text() -> bytes:
    return text_xml("o-big", "长" * (MAX_BODY_BYTES // 3 + 10)).encode()


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"hello, I am not XML", id="not-xml"),
        pytest.param(b'{"MsgType": "text"}', id="json"),
        pytest.param(b"<xml><MsgType>text</MsgType>", id="unclosed"),
        pytest.param(b"<html><body>hi</body></html>", id="html"),
        pytest.param(b"<xml></xml>", id="empty-root"),
        pytest.param(
            b"<xml><ToUserName>gh</ToUserName><FromUserName>o-x</FromUserName>"
            b"<CreateTime>1</CreateTime></xml>",
            id="no-msgtype",
        ),
        pytest.param(
            b"<xml><ToUserName>gh</ToUserName><FromUserName>o-x</FromUserName>"
            b"<CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>",
            id="bad-createtime",
        ),
        pytest.param(
            b"<xml><ToUserName>gh</ToUserName><FromUserName>o-x</FromUserName>"
            b"<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>LOCATION</Event>"
            b"<Latitude>999</Latitude><Longitude>1</Longitude></xml>",
            id="location-off-the-globe",
        ),
        pytest.param("<xml><Content>申领</Content></xml>".encode("utf-16"), id="utf-16"),
        pytest.param(b"\xff\xfe\x00garbage", id="binary"),
        pytest.param(BILLION_LAUGHS.encode(), id="billion-laughs"),
        pytest.param(EXTERNAL_ENTITY.encode(), id="external-entity"),
        pytest.param(_big_text(), id="over-64-KiB"),
        pytest.param(b"<xml>" + b" " * (MAX_BODY_BYTES + 1) + b"</xml>", id="padded-over-64-KiB"),
    ],
)
async def test_a_body_that_is_not_a_wechat_message_is_refused_and_writes_nothing(
    client: TestClient, body: bytes
) -> None:
    status, _ = await post_raw(client, signed_query(token_of(client)), body)

    assert status in (400, 403, 413)
    assert await nothing_written()


async def test_a_body_over_64_kib_without_a_length_is_refused_too(client: TestClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 4096 + 2):
            yield b"<!-- " + b"x" * 4086 + b" -->"

    response = await client.post("/wechat", params=signed_query(token_of(client)), data=chunks())

    assert response.status == 413
    assert await nothing_written()


async def test_a_sender_longer_than_an_openid_column_is_refused_not_answered_busy(
    client: TestClient,
) -> None:
    status, body = await deliver(client, text_xml("o" * 100, "申领"))

    assert status == 400, body


async def test_the_largest_message_wechat_sends_is_accepted(resident: WeChatUser) -> None:
    # A text message holds at most 2048 characters; a resident pasting that much is answered.
    assert "没有理解" in await resident.say("测" * 2048)


async def test_a_dtd_inside_a_safe_mode_message_is_refused(safe_client: TestClient) -> None:
    codec = safe_client.app[CODEC]
    timestamp, nonce = str(int(time.time())), "n0nce"
    body, msg_signature = codec.encrypt_for_server(BILLION_LAUGHS, nonce, timestamp)
    query = {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": sign_request(token_of(safe_client), timestamp, nonce),
        "encrypt_type": "aes",
        "msg_signature": msg_signature,
    }

    status, _ = await post_raw(safe_client, query, body)

    assert status in (400, 403)
    assert await nothing_written()


# --- the dialogue's idle expiry ---------------------------------------------------------------


async def test_a_dialogue_idle_for_31_minutes_has_expired(
    resident: WeChatUser, clock: FakeClock
) -> None:
    await resident.say("申领")
    await resident.converse(NAME, "1")
    clock.advance(minutes=31)

    reply = await resident.say(VALID_ID)

    # The answer is not taken as a step, and the resident is told why.
    assert "【4/9】" not in reply and "手机号码" not in reply
    assert "超过 30 分钟没有回复" in reply and "申领" in reply
    assert "当前没有正在填写的内容" in await resident.say("取消")
    assert "【1/9】" in await resident.say("申领")
    assert "至少" not in await resident.say(NAME)  # a fresh dialogue: the name step again
    assert await Person.all().count() == 0


async def test_a_dialogue_idle_for_29_minutes_goes_on(
    resident: WeChatUser, clock: FakeClock
) -> None:
    await resident.say("申领")
    await resident.converse(NAME, "1")
    clock.advance(minutes=29)
    assert "【4/9】" in await resident.say(VALID_ID)
    clock.advance(minutes=29)
    assert "【5/9】" in await resident.say(PHONE)


async def test_a_refused_answer_counts_as_activity(resident: WeChatUser, clock: FakeClock) -> None:
    await resident.say("申领")
    await resident.say(NAME)
    clock.advance(minutes=20)
    assert "证件类型" in await resident.say("9")  # refused, re-asked: the resident is here
    clock.advance(minutes=20)  # 20 idle minutes since the last message

    assert "【3/9】" in await resident.say("1")


# --- personal data at rest --------------------------------------------------------------------


async def test_no_name_document_or_phone_in_clear_at_rest(resident: WeChatUser) -> None:
    await resident.say("申领")
    for answer in ANSWERS:
        reply = await resident.say(answer)
        states = await raw_rows("dialogue_state")
        assert len(states) == 1
        assert in_clear(states) == [], states
    assert NAME in reply and PHONE in reply  # the summary repeats them to the resident
    assert "申报已提交" in await resident.say("1")

    replies = await raw_rows("processed_message")
    assert len(replies) == len(ANSWERS) + 2
    assert all(row["reply"] is None or row["reply"].startswith("v1:") for row in replies)
    assert in_clear(replies) == []
    for table in await table_names():
        assert in_clear(await raw_rows(table)) == [], table


async def test_no_name_document_or_phone_in_the_logs(
    resident: WeChatUser, debug_logs: pytest.LogCaptureFixture
) -> None:
    await reach_summary(resident)
    await resident.say("1")
    await resident.say("亮码")

    logged = "\n".join(r.getMessage() + repr(r.args) for r in debug_logs.records)
    assert [value for value in (NAME, VALID_ID, PHONE) if value in logged] == []


# --- the code image goes through the outbox ---------------------------------------------------


async def test_the_code_image_is_queued_not_sent_during_the_request(
    resident: WeChatUser, fake_wechat, runtime, gateway
) -> None:
    from bot.wechat.sender import send_due_notices

    await reach_summary(resident)

    done = await resident.say("1")

    assert "申报已提交" in done and "/c/" in done
    assert fake_wechat.calls == []
    notice = await Notice.get(kind="code_image")
    person = await Person.get()
    assert notice.status == "pending" and notice.payload == {"person": person.public_id}
    assert (await notice.account).openid == resident.openid

    # The sender (a scheduled job, never the request) then delivers it as an image message.
    assert await send_due_notices(runtime, gateway) == 1
    sent = fake_wechat.sent("/cgi-bin/message/custom/send")
    assert [(m["touser"], m["msgtype"]) for m in sent] == [(resident.openid, "image")]
    assert sent[0]["image"]["media_id"] in fake_wechat.media
    assert (await Notice.get(id=notice.id)).status == "sent"


async def test_showing_the_code_queues_its_image_too(resident: WeChatUser, fake_wechat) -> None:
    await reach_summary(resident)
    await resident.say("1")

    assert "绿码" in await resident.say("亮码")

    assert fake_wechat.calls == []
    assert await Notice.filter(kind="code_image").count() == 2
