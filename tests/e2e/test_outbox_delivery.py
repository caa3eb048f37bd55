"""The outbox (docs/architecture.md): a declaration queues the code image, the sender uploads it and
sends it as a customer-service image message through the real wechatpy client, against the
fake WeChat API on loopback."""

from __future__ import annotations

import secrets
from datetime import timedelta

from aiohttp.test_utils import TestClient

from bot.app_state import CODEC
from bot.services.access.staff import add_staff
from bot.services.notices import delivery
from bot.services.runtime import Runtime
from bot.wechat import build_event_xml
from bot.wechat.sender import send_due_notices
from models.declaration import Declaration
from models.outbox import Notice
from tests.fakes.wechat_api import FakeWeChat
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.clock import FakeClock
from tests.support.qr import qr_codes
from tests.support.wechat_user import ACCOUNT, WeChatUser

UPLOAD = "/cgi-bin/media/upload"
CUSTOM_SEND = "/cgi-bin/message/custom/send"


def decode_qr(png: bytes) -> str:
    found = qr_codes(png)
    assert len(found) == 1, found
    return found[0].text


async def declared(resident: WeChatUser) -> Notice:
    """Declare through the chat; the one notice it queued."""
    reply = await declare(resident, GREEN_ANSWERS)
    assert "绿码" in reply and "单独发送" in reply
    notices = await Notice.all()
    assert len(notices) == 1
    return notices[0]


def sent_images(fake: FakeWeChat) -> list[dict]:
    return [body for body in fake.sent(CUSTOM_SEND) if body.get("msgtype") == "image"]


async def test_a_declaration_queues_the_code_image_in_the_same_transaction(
    resident: WeChatUser, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    notice = await declared(resident)
    assert notice.kind == "code_image" and notice.status == "pending"
    assert notice.attempts == 0 and notice.due_at == clock()
    assert set(notice.payload) == {"person"}  # an opaque id, no personal data
    assert fake_wechat.calls == []  # nothing slow on the request path


async def test_the_sender_uploads_the_code_and_sends_it_as_an_image_message(
    client: TestClient,
    runtime: Runtime,
    gateway,
    resident: WeChatUser,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    notice = await declared(resident)
    assert await send_due_notices(runtime, gateway) == 1
    uploads = fake_wechat.calls_to(UPLOAD)
    assert len(uploads) == 1 and uploads[0].errcode == 0
    assert uploads[0].query["type"] == "image"
    png = uploads[0].files["media"].data
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    [message] = fake_wechat.sent(CUSTOM_SEND)
    assert message["touser"] == resident.openid and message["msgtype"] == "image"
    media_id = message["image"]["media_id"]
    assert fake_wechat.media[media_id].data == png
    await notice.refresh_from_db()
    assert notice.status == "sent" and notice.sent_at == clock() and notice.last_error is None

    # The image carries a token the checkpoint accepts.
    token = decode_qr(png)
    assert token.startswith("HC1:") and len(token) <= 200
    _staff, staff_token = await add_staff("检查员", "checkpoint")
    response = await client.post(
        "/api/checkpoint/scan",
        json={"token": token, "temperature": 36.4},
        headers={"Authorization": f"Bearer {staff_token}"},
    )
    result = await response.json()
    assert result["verdict"] == "pass" and result["color"] == "green" and result["name"] == "张*"


async def test_a_sent_notice_is_not_sent_again(
    runtime: Runtime, gateway, resident: WeChatUser, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    await declared(resident)
    assert await send_due_notices(runtime, gateway) == 1
    calls = len(fake_wechat.calls)
    assert await send_due_notices(runtime, gateway) == 0
    clock.advance(hours=2)
    assert await send_due_notices(runtime, gateway) == 0
    assert len(fake_wechat.calls) == calls
    assert len(sent_images(fake_wechat)) == 1


async def test_a_transient_error_is_retried_later(
    runtime: Runtime, gateway, resident: WeChatUser, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    notice = await declared(resident)
    fake_wechat.fail_next(CUSTOM_SEND, -1)
    assert await send_due_notices(runtime, gateway) == 0
    assert [call.errcode for call in fake_wechat.calls_to(CUSTOM_SEND)] == [-1]
    await notice.refresh_from_db()
    assert notice.status == "pending" and notice.attempts == 1
    assert notice.due_at > clock()
    assert notice.due_at <= clock() + timedelta(seconds=delivery.BASE_DELAY_SECONDS)
    assert notice.last_error and notice.last_error.startswith("-1")

    # Not due yet: nothing is tried.
    assert await send_due_notices(runtime, gateway) == 0
    assert len(fake_wechat.calls_to(CUSTOM_SEND)) == 1

    clock.advance(seconds=delivery.BASE_DELAY_SECONDS)
    assert await send_due_notices(runtime, gateway) == 1
    await notice.refresh_from_db()
    assert notice.status == "sent" and notice.attempts == 1 and notice.last_error is None
    [image] = sent_images(fake_wechat)
    assert image["touser"] == resident.openid


async def test_a_failed_upload_is_retried_too(
    runtime: Runtime, gateway, resident: WeChatUser, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    notice = await declared(resident)
    fake_wechat.fail_next(UPLOAD, -1)  # system busy: try again later
    assert await send_due_notices(runtime, gateway) == 0
    assert fake_wechat.calls_to(CUSTOM_SEND) == []
    await notice.refresh_from_db()
    assert notice.status == "pending" and notice.attempts == 1 and "-1" in notice.last_error
    clock.advance(seconds=delivery.BASE_DELAY_SECONDS)
    assert await send_due_notices(runtime, gateway) == 1
    assert len(sent_images(fake_wechat)) == 1


async def test_the_backoff_grows_and_the_sender_gives_up_in_the_end(
    runtime: Runtime, gateway, resident: WeChatUser, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    notice = await declared(resident)
    fake_wechat.fail_next(CUSTOM_SEND, -1, times=None)
    delays = []
    for attempt in range(1, delivery.MAX_ATTEMPTS):
        assert await send_due_notices(runtime, gateway) == 0
        await notice.refresh_from_db()
        assert notice.status == "pending" and notice.attempts == attempt
        delays.append((notice.due_at - clock()).total_seconds())
        clock.advance(seconds=delivery.MAX_DELAY_SECONDS)
    assert await send_due_notices(runtime, gateway) == 0
    await notice.refresh_from_db()
    assert notice.status == "failed" and notice.attempts == delivery.MAX_ATTEMPTS
    assert notice.last_error.startswith("gave up")
    # Full jitter in [ceiling/2, ceiling], the ceiling doubling: each delay is at least the
    # half of the previous one's doubled ceiling.
    for attempt, seconds in enumerate(delays, start=1):
        ceiling = min(delivery.MAX_DELAY_SECONDS, delivery.BASE_DELAY_SECONDS * 2 ** (attempt - 1))
        assert ceiling / 2 <= seconds <= ceiling
    clock.advance(days=1)
    assert await send_due_notices(runtime, gateway) == 0
    assert len(fake_wechat.calls_to(CUSTOM_SEND)) == delivery.MAX_ATTEMPTS


async def test_a_permanent_refusal_ends_the_notice_with_the_reason(
    runtime: Runtime, gateway, resident: WeChatUser, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    notice = await declared(resident)
    fake_wechat.unfollowed.add(resident.openid)
    assert await send_due_notices(runtime, gateway) == 0
    [call] = fake_wechat.calls_to(CUSTOM_SEND)
    assert call.errcode == 43004
    await notice.refresh_from_db()
    assert notice.status == "failed" and notice.sent_at is None
    assert notice.last_error.startswith("43004") and "subscribe" in notice.last_error
    clock.advance(days=1)
    assert await send_due_notices(runtime, gateway) == 0
    assert len(fake_wechat.calls_to(CUSTOM_SEND)) == 1


async def test_one_refusal_does_not_hold_up_the_others(
    client: TestClient,
    runtime: Runtime,
    gateway,
    resident: WeChatUser,
    fake_wechat: FakeWeChat,
) -> None:
    await declared(resident)
    neighbour = WeChatUser(client, client.app[CODEC], "o-resident-2")
    await declare(neighbour, ["李四", "1", "120101199003071235", "13900001111", "1", "1", "1", "1"])
    fake_wechat.unfollowed.add(resident.openid)
    assert await send_due_notices(runtime, gateway) == 1
    statuses = dict(
        await Notice.all().prefetch_related("account").values_list("account__openid", "status")
    )
    assert statuses == {resident.openid: "failed", neighbour.openid: "sent"}
    assert [image["touser"] for image in sent_images(fake_wechat)] == [neighbour.openid]


async def test_a_notice_claimed_by_a_sender_that_died_is_sent_after_the_lease(
    runtime: Runtime, gateway, resident: WeChatUser, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    notice = await declared(resident)
    claimed = (await delivery.claim_due(runtime, 10)).deliveries  # ... and the process dies
    assert [item.id for item in claimed] == [notice.id]
    await notice.refresh_from_db()
    assert notice.status == "sending"
    assert await send_due_notices(runtime, gateway) == 0  # still leased
    clock.advance(seconds=runtime.settings.schedules.outbox_lease.total_seconds())
    assert await send_due_notices(runtime, gateway) == 1
    await notice.refresh_from_db()
    assert notice.status == "sent"
    assert len(sent_images(fake_wechat)) == 1


async def test_a_retried_show_code_message_queues_one_image(
    runtime: Runtime, gateway, resident: WeChatUser, fake_wechat: FakeWeChat
) -> None:
    await declared(resident)
    await send_due_notices(runtime, gateway)
    msg_id = secrets.randbits(62)
    first = await resident.say("亮码", msg_id=msg_id)
    again = await resident.say("亮码", msg_id=msg_id)  # WeChat retries after 5 s
    assert "张* 的健康码" in first and again == first
    assert await Notice.filter(status="pending").count() == 1
    assert await send_due_notices(runtime, gateway) == 1
    assert len(sent_images(fake_wechat)) == 2  # the declaration's and this one


async def test_a_retried_menu_click_queues_one_image(
    runtime: Runtime, gateway, resident: WeChatUser, fake_wechat: FakeWeChat
) -> None:
    await declared(resident)
    await send_due_notices(runtime, gateway)
    # An event has no MsgId: WeChat's retry repeats the sender and CreateTime.
    click = build_event_xml(ACCOUNT, resident.openid, "CLICK", "SHOW_CODE", 1_790_500_000)
    first = await resident.send(click)
    again = await resident.send(click)
    assert "张* 的健康码" in first and again == first
    assert await Notice.filter(status="pending").count() == 1
    await send_due_notices(runtime, gateway)
    assert len(sent_images(fake_wechat)) == 2


async def test_two_different_show_code_messages_send_two_images(
    runtime: Runtime, gateway, resident: WeChatUser, fake_wechat: FakeWeChat
) -> None:
    await declared(resident)
    await resident.say("亮码")
    await resident.say("code")
    assert await send_due_notices(runtime, gateway) == 3
    images = sent_images(fake_wechat)
    assert len(images) == 3 and len({image["image"]["media_id"] for image in images}) == 3


async def test_a_retried_confirmation_files_one_declaration_and_queues_one_image(
    runtime: Runtime, gateway, resident: WeChatUser, fake_wechat: FakeWeChat
) -> None:
    await resident.say("申领")
    await resident.converse(*GREEN_ANSWERS)
    msg_id = secrets.randbits(62)
    first = await resident.say("1", msg_id=msg_id)
    again = await resident.say("1", msg_id=msg_id)
    assert "申报已提交" in first and again == first
    assert await Declaration.all().count() == 1
    assert await Notice.all().count() == 1
    assert await send_due_notices(runtime, gateway) == 1
    assert len(sent_images(fake_wechat)) == 1
