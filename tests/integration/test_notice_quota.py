"""WeChat's quotas: an API whose daily quota ran out (45009) is paused until the quota resets
at midnight Beijing time; what waits for it is postponed without losing an attempt, the other
APIs keep sending, and everything goes out after the reset. One person's customer-service
limit (45047) holds back that person's message only. Against the fake WeChat API, which counts
the day's calls like WeChat does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway
from bot.wechat.api_limits import RESET_MARGIN
from bot.wechat.sender import RECIPIENT_WAIT, drain_outbox, limits_for
from models.outbox import Notice
from models.person import Account
from tests.fakes.wechat_api import CUSTOM_SEND, SUBSCRIBE_SEND, TEMPLATE_SEND, FakeWeChat
from tests.support.clock import FakeClock
from tests.support.districts import BINHAI, tier
from tests.support.jobs import configure, texts_to_followers
from tests.support.people import make_person

BEIJING = ZoneInfo("Asia/Shanghai")


def next_reset(moment: datetime) -> datetime:
    local = moment.astimezone(BEIJING)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), BEIJING)
    return midnight.astimezone(UTC) + RESET_MARGIN


async def test_a_spent_daily_quota_pauses_its_api_until_midnight_and_loses_nothing(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(
        rt,
        template_code_changed="TPL",
        miniapp_template_code_changed="SUB",
        outbox_batch=2,
        outbox_concurrency=1,
        wechat_rate_per_second=1000,
    )
    fake_wechat.clock = lambda: clock().timestamp()
    fake_wechat.set_daily_quota(TEMPLATE_SEND, 3)
    followers = [await make_person(rt, BINHAI) for _ in range(5)]
    await make_person(rt, BINHAI, channel="miniapp")
    await tier(rt, clock, "high")  # six notices: five template messages, one subscribe message
    limits = limits_for(rt)

    assert (await drain_outbox(rt, gateway, limits)).sent == 4

    assert [c.errcode for c in fake_wechat.calls_to(TEMPLATE_SEND)] == [0, 0, 0, 45009]
    assert len(fake_wechat.sent(SUBSCRIBE_SEND)) == 1  # another API, still open
    reset = next_reset(clock())
    assert limits.paused_until(("template",)) == reset
    waiting = await Notice.filter(status="pending").order_by("id")
    assert len(waiting) == 2
    assert all(row.attempts == 0 and row.due_at == reset for row in waiting)
    assert waiting[0].last_error.startswith("45009: reach max api daily quota limit")
    assert all("paused" in row.last_error for row in waiting[1:])

    clock.advance(hours=1)
    assert (await drain_outbox(rt, gateway, limits)).sent == 0
    assert (await drain_outbox(rt, gateway, limits_for(rt))).sent == 0  # a new leader too
    assert len(fake_wechat.calls_to(TEMPLATE_SEND)) == 4

    clock.moment = reset
    assert (await drain_outbox(rt, gateway, limits)).sent == 2
    assert await Notice.filter(status="sent").count() == 6
    openids = [body["touser"] for body in fake_wechat.sent(TEMPLATE_SEND)]
    expected = [(await Account.get(person_id=p.id)).openid for p in followers]
    assert sorted(openids) == sorted(expected)  # each follower once


async def test_one_persons_customer_service_limit_holds_back_only_their_message(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, outbox_concurrency=1)
    await texts_to_followers(rt, "cs", 2)
    fake_wechat.fail_next(CUSTOM_SEND, 45047)
    limits = limits_for(rt)

    assert (await drain_outbox(rt, gateway, limits)).sent == 1

    first, second = await Notice.all().order_by("id")
    assert (first.status, first.attempts, first.due_at) == ("pending", 0, clock() + RECIPIENT_WAIT)
    assert first.last_error.startswith("45047: out of response count limit")
    assert second.status == "sent"
    assert limits.paused_until(("custom",)) is None  # not the API's quota
    clock.moment = first.due_at
    assert (await drain_outbox(rt, gateway, limits)).sent == 1
    assert [body["touser"] for body in fake_wechat.sent(CUSTOM_SEND)] == ["o-cs1", "o-cs0"]
