"""The sender against the fake WeChat API (the real wechatpy client over loopback): which API
carries each notice, what the resident reads, and what becomes of the row when WeChat answers
with its real error codes."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.access.staff import add_staff
from bot.services.appeals.answers import Resolution, resolve_appeal
from bot.services.appeals.filing import file_appeal
from bot.services.housekeeping.expiry import redecide_expired
from bot.services.notices import delivery
from bot.services.notices.outbox import queue_text
from bot.services.runtime import Runtime
from bot.settings import Schedules, Settings
from bot.wechat import WeChatGateway, WeChatQuotaError
from bot.wechat.api_limits import RESET_MARGIN, ApiLimits, Held
from bot.wechat.errors import QUOTA_ERRCODES
from bot.wechat.routes import (
    CUSTOM,
    MASS,
    SUBSCRIBE,
    TEMPLATE,
    UPLOAD,
    Route,
    Unroutable,
    route,
)
from bot.wechat.sender import drain_outbox, limits_for, send_due_notices
from models.outbox import Notice
from models.person import Account, Person
from tests.fakes.wechat_api import (
    CUSTOM_SEND,
    MASS_SEND,
    SUBSCRIBE_SEND,
    TEMPLATE_SEND,
    FakeWeChat,
)
from tests.support.clock import FakeClock
from tests.support.jobs import code_of, configure, quarantine, texts_to_followers, today
from tests.support.people import make_person


async def orange_to_green(rt: Runtime, clock: FakeClock, **person) -> Person:
    """A person whose quarantine just ended: one code_changed notice queued (orange → green)."""
    someone = await make_person(rt, **person)
    await quarantine(rt, someone, today(rt))
    clock.moment = (await code_of(someone)).valid_until
    assert (await redecide_expired(rt)).notices == (1 if person.get("channel", "mp") else 0)
    return someone


async def notice_of(person: Person) -> Notice:
    account = await Account.get(person_id=person.id)
    return await Notice.get(account_id=account.id)


# --- customer-service text, template, subscribe -------------------------------------------------


async def test_a_code_change_is_told_in_words_with_reasons_and_a_link(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    person = await orange_to_green(rt, clock, name="王小明")
    assert await send_due_notices(rt, gateway) == 1
    [body] = fake_wechat.sent(CUSTOM_SEND)
    account = await Account.get(person_id=person.id)
    assert body["touser"] == account.openid and body["msgtype"] == "text"
    text = body["text"]["content"]
    assert text.startswith("【健康码变更】王*明 的健康码已由 🟠 橙码 变为 🟢 绿码。")
    assert "原因：\n· 未发现风险" in text
    assert "查看健康码（页面实时刷新）：http://testserver/c/" in text
    assert rt.settings.hotline in text and "申诉" in text
    notice = await notice_of(person)
    assert notice.status == "sent" and notice.sent_at == clock()


async def test_the_notice_speaks_the_accounts_language(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    await orange_to_green(rt, clock, name="Anna Smith", lang="en")
    await send_due_notices(rt, gateway)
    [body] = fake_wechat.sent(CUSTOM_SEND)
    text = body["text"]["content"]
    assert text.startswith("[Health code changed] The health code of ")
    assert "from 🟠 Orange code to 🟢 Green code." in text
    assert "Why:\n· No risk found." in text and "?lang=en" in text
    assert "健康码" not in text


async def test_a_configured_template_carries_the_change(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, template_code_changed="TPL-CODE-CHANGED")
    person = await orange_to_green(rt, clock)
    assert await send_due_notices(rt, gateway) == 1
    assert fake_wechat.calls_to(CUSTOM_SEND) == []
    [body] = fake_wechat.sent(TEMPLATE_SEND)
    assert body["template_id"] == "TPL-CODE-CHANGED"
    assert body["url"].startswith("http://testserver/c/")
    data = {key: field["value"] for key, field in body["data"].items()}
    assert data["keyword1"] == "王*明"
    assert data["keyword2"] == "🟠 橙码 → 🟢 绿码"
    assert data["keyword3"] == clock().astimezone(rt.ruleset.tz).strftime("%Y-%m-%d %H:%M")
    assert "未发现风险" in data["remark"]
    assert (await notice_of(person)).status == "sent"


async def test_a_mini_program_account_gets_a_subscribe_message(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, miniapp_template_code_changed="SUB-CODE-CHANGED")
    person = await orange_to_green(rt, clock, channel="miniapp")
    assert await send_due_notices(rt, gateway) == 1
    [body] = fake_wechat.sent(SUBSCRIBE_SEND)
    assert body["template_id"] == "SUB-CODE-CHANGED"
    assert body["page"] == f"pages/code/index?person={person.public_id}&lang=zh"
    data = {key: field["value"] for key, field in body["data"].items()}
    assert data["thing1"] == "王*明" and data["thing2"] == "橙码 → 绿码"
    assert len(data["thing4"]) <= 20  # WeChat's limit for a thing field: cut, not refused


async def test_without_a_subscribe_template_a_mini_program_notice_ends_with_the_reason(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, miniapp_template_code_changed=None)
    person = await orange_to_green(rt, clock, channel="miniapp")
    assert await send_due_notices(rt, gateway) == 0
    assert fake_wechat.calls == []
    notice = await notice_of(person)
    assert notice.status == "failed" and "MINIAPP_TEMPLATE_CODE_CHANGED" in notice.last_error


async def test_outside_the_48_hour_window_only_a_template_can_reach_the_person(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    quiet = await orange_to_green(rt, clock)
    await Account.filter(person_id=quiet.id).update(last_message_at=clock() - timedelta(hours=49))
    assert await send_due_notices(rt, gateway) == 0
    assert fake_wechat.calls == []  # no call spent on a certain 45015
    notice = await notice_of(quiet)
    assert notice.status == "failed" and notice.last_error.startswith("45015")

    configure(rt, template_code_changed="TPL")
    await Notice.filter(id=notice.id).update(status="pending", due_at=clock())
    assert await send_due_notices(rt, gateway) == 1
    assert len(fake_wechat.sent(TEMPLATE_SEND)) == 1


async def test_a_change_overtaken_by_a_newer_one_is_not_sent(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    person = await orange_to_green(rt, clock)
    await quarantine(rt, person, today(rt) + timedelta(days=7))  # orange again before sending
    assert await send_due_notices(rt, gateway) == 0
    assert fake_wechat.calls == []
    notice = await notice_of(person)
    assert notice.status == "skipped" and "orange now" in notice.last_error


# --- WeChat's answers ------------------------------------------------------------------------


async def test_an_expired_access_token_is_refreshed_and_the_notice_sent(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    account = await Account.create(channel="mp", openid="o-a", last_message_at=clock())
    await queue_text(rt, account.id, "第一条", "t1")
    assert await send_due_notices(rt, gateway) == 1
    fake_wechat.expire_tokens()
    await queue_text(rt, account.id, "第二条", "t2")
    assert await send_due_notices(rt, gateway) == 1
    assert [c.errcode for c in fake_wechat.calls_to(CUSTOM_SEND)] == [0, 42001, 0]
    assert fake_wechat.token_requests == 2
    assert await Notice.filter(status="sent", attempts=0).count() == 2


@pytest.mark.parametrize(
    ("script", "reason"),
    [(("errcode", -1), "-1"), (("http", 502), "None: HTTP")],
    ids=["system-busy", "bad-gateway"],
)
async def test_transient_failures_are_retried_with_backoff(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
    script: tuple[str, int],
    reason: str,
) -> None:
    configure(rt, template_code_changed="TPL")
    person = await orange_to_green(rt, clock)
    kind, value = script
    if kind == "http":
        fake_wechat.fail_http(TEMPLATE_SEND, value)
    else:
        fake_wechat.fail_next(TEMPLATE_SEND, value)
    assert await send_due_notices(rt, gateway) == 0
    notice = await notice_of(person)
    assert notice.status == "pending" and notice.attempts == 1
    assert notice.last_error.startswith(reason)
    assert clock() < notice.due_at <= clock() + timedelta(seconds=delivery.BASE_DELAY_SECONDS)
    clock.moment = notice.due_at
    assert await send_due_notices(rt, gateway) == 1
    assert len(fake_wechat.sent(TEMPLATE_SEND)) == 1


@pytest.mark.parametrize(
    ("channel", "path", "errcode", "words"),
    [
        ("mp", TEMPLATE_SEND, 43004, "require subscribe"),
        ("miniapp", SUBSCRIBE_SEND, 43101, "refuse"),
        ("mp", TEMPLATE_SEND, 40003, "invalid openid"),
    ],
    ids=["unfollowed", "subscription-refused", "bad-openid"],
)
async def test_a_permanent_refusal_ends_the_row_with_the_reason(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
    channel: str,
    path: str,
    errcode: int,
    words: str,
) -> None:
    configure(rt, template_code_changed="TPL", miniapp_template_code_changed="SUB")
    person = await orange_to_green(rt, clock, channel=channel)
    fake_wechat.fail_next(path, errcode)
    assert await send_due_notices(rt, gateway) == 0
    notice = await notice_of(person)
    assert notice.status == "failed" and notice.last_error.startswith(str(errcode))
    assert words in notice.last_error
    clock.advance(days=1)
    assert await send_due_notices(rt, gateway) == 0
    assert len(fake_wechat.calls_to(path)) == 1


async def test_a_minute_quota_answer_pauses_the_api_without_spending_attempts(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, outbox_concurrency=1, wechat_rate_per_second=100)
    await texts_to_followers(rt, "q", 3)
    fake_wechat.fail_next(CUSTOM_SEND, 45011)
    limits = limits_for(rt)
    assert await send_due_notices(rt, gateway, limits=limits) == 0
    assert len(fake_wechat.calls_to(CUSTOM_SEND)) == 1  # the other two were not tried
    rows = await Notice.all().order_by("id")
    assert [(r.status, r.attempts) for r in rows] == [("pending", 0)] * 3
    assert rows[0].last_error.startswith("45011")
    assert all("paused" in r.last_error for r in rows[1:])
    assert all(r.due_at == clock() + timedelta(seconds=60) for r in rows)
    assert limits.paused_until((CUSTOM,)) == clock() + timedelta(seconds=60)
    assert limits.paused_until((TEMPLATE,)) is None

    clock.advance(seconds=60)
    assert await send_due_notices(rt, gateway, limits=limits) == 3


async def test_a_mass_send_row_goes_out_once_even_when_retried(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    await Notice.create(
        dedupe_key="broadcast:7:0",
        kind="mass_text",
        payload={"openids": ["o-1", "o-2", "o-3"], "text": "今日起恢复公交", "broadcast": 7},
        due_at=clock(),
        created_at=clock(),
    )
    # WeChat sent it, but the answer was lost: the retry carries the same clientmsgid.
    assert await send_due_notices(rt, gateway) == 1
    [body] = fake_wechat.sent(MASS_SEND)
    assert body["touser"] == ["o-1", "o-2", "o-3"] and body["clientmsgid"] == "broadcast:7:0-0"
    await Notice.filter(dedupe_key="broadcast:7:0").update(status="pending", due_at=clock())
    assert await send_due_notices(rt, gateway) == 1
    assert [c.errcode for c in fake_wechat.calls_to(MASS_SEND)] == [0, 45065]
    assert len(fake_wechat.mass_sent) == 1


async def test_a_broken_row_does_not_hold_up_the_others(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    account = await Account.create(channel="mp", openid="o-b", last_message_at=clock())
    await Notice.create(
        dedupe_key="bad",
        account_id=account.id,
        kind="code_changed",
        payload={},
        due_at=clock(),
        created_at=clock(),
    )
    await Notice.create(
        dedupe_key="odd",
        account_id=account.id,
        kind="fax",
        payload={},
        due_at=clock(),
        created_at=clock(),
    )
    await queue_text(rt, account.id, "正常的一条", "ok")
    assert await send_due_notices(rt, gateway) == 1
    rows = {n.dedupe_key: n for n in await Notice.all()}
    assert rows["bad"].status == "pending" and rows["bad"].attempts == 1
    assert rows["bad"].last_error.startswith("KeyError")
    assert rows["odd"].status == "failed" and "unknown notice kind fax" in rows["odd"].last_error
    assert rows["ok:text"].status == "sent"


# --- the claim: nothing is lost when a run stops ----------------------------------------------


async def test_rows_not_started_before_the_lease_runs_out_go_back_at_once(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, outbox_lease=timedelta(0))
    account = await Account.create(channel="mp", openid="o-l", last_message_at=clock())
    await queue_text(rt, account.id, "一条", "l")
    assert await send_due_notices(rt, gateway) == 0
    assert fake_wechat.calls == []
    [row] = await Notice.all()
    assert row.status == "pending" and row.due_at == clock() and row.attempts == 0


async def test_a_stopped_run_releases_what_it_had_not_started(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    account = await Account.create(channel="mp", openid="o-s", last_message_at=clock())
    for n in range(3):
        await queue_text(rt, account.id, f"第{n}条", f"s{n}")
    fake_wechat.delay(CUSTOM_SEND, 0.5)
    run = asyncio.create_task(send_due_notices(rt, gateway))
    while not fake_wechat.calls_to(CUSTOM_SEND):
        await asyncio.sleep(0.01)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    rows = await Notice.all().order_by("id")
    # The first was in flight (WeChat may have it): it waits for its lease. The others are due.
    assert [r.status for r in rows] == ["sending", "pending", "pending"]
    assert rows[0].due_at == clock() + rt.settings.schedules.outbox_lease
    assert rows[1].due_at == clock() and rows[2].due_at == clock()


# --- the answer to an appeal ------------------------------------------------------------------


async def answered_appeal(rt: Runtime, person: Person, decision: str, reply: str) -> int:
    account = await Account.get(person_id=person.id)
    filed = await file_appeal(rt, account.id, None, "我已解除隔离")
    official, _token = await add_staff("官员甲", "official")
    await resolve_appeal(rt, official, filed.id, Resolution(decision, reply))
    return filed.id


async def test_an_appeal_answer_reaches_a_mini_program_account_as_a_subscribe_message(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    configure(rt, miniapp_template_appeal_reply="SUB-APPEAL")
    person = await make_person(rt, name="王小明", channel="miniapp")
    reply = "经社区核实，您的隔离已于3月5日解除，健康码已恢复为绿码。"
    appeal_id = await answered_appeal(rt, person, "accept", reply)
    notice = await Notice.get(kind="appeal_reply")
    assert notice.payload == {"appeal": appeal_id}  # the reply itself stays sealed
    assert await send_due_notices(rt, gateway) == 1
    [body] = fake_wechat.sent(SUBSCRIBE_SEND)
    assert body["template_id"] == "SUB-APPEAL"
    assert body["page"] == f"pages/code/index?person={person.public_id}&lang=zh"
    data = {key: field["value"] for key, field in body["data"].items()}
    assert data["thing1"] == "王*明" and data["thing2"] == "已受理"
    assert data["thing4"] == reply[:19] + "…"
    assert (await Notice.get(id=notice.id)).status == "sent"


async def test_an_appeal_answer_goes_by_template_when_one_is_configured(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, template_appeal_reply="TPL-APPEAL")
    person = await make_person(rt, name="Anna Smith", lang="en")
    await Account.filter(person_id=person.id).update(last_message_at=clock() - timedelta(days=5))
    await answered_appeal(rt, person, "reject", "请继续居家观察。")
    assert await send_due_notices(rt, gateway) == 1
    [body] = fake_wechat.sent(TEMPLATE_SEND)
    assert body["template_id"] == "TPL-APPEAL" and "/c/" in body["url"]
    data = {key: field["value"] for key, field in body["data"].items()}
    assert data["first"] == "Your appeal has been answered"
    assert data["keyword2"] == "not changed" and "请继续居家观察。" in data["remark"]


async def test_without_a_template_an_appeal_answer_is_a_text_in_the_48_hour_window(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
) -> None:
    person = await make_person(rt)
    await answered_appeal(rt, person, "reject", "武汉返津人员需居家观察14天。")
    assert await send_due_notices(rt, gateway) == 1
    [body] = fake_wechat.sent(CUSTOM_SEND)
    text = body["text"]["content"]
    assert text.startswith("【申诉答复】您为 王*明 提交的申诉")
    assert "未予调整" in text and "武汉返津人员需居家观察14天。" in text


# --- the route and the rate limit, on their own -----------------------------------------------


@pytest.mark.parametrize(
    ("kind", "channel", "templates", "hours_ago", "expected"),
    [
        ("code_changed", "mp", {}, 1, Route(CUSTOM, (CUSTOM,))),
        (
            "code_changed",
            "mp",
            {"template_code_changed": "T"},
            100,
            Route(TEMPLATE, (TEMPLATE,), "T"),
        ),
        ("code_changed", "mp", {}, 49, "45015"),
        ("code_changed", "mp", {}, None, Route(CUSTOM, (CUSTOM,))),
        ("code_image", "mp", {"template_code_changed": "T"}, 1, Route(CUSTOM, (UPLOAD, CUSTOM))),
        ("code_image", "mp", {}, 49, "45015"),
        ("reminder", "mp", {"template_reminder": "R"}, 100, Route(TEMPLATE, (TEMPLATE,), "R")),
        (
            "reminder",
            "miniapp",
            {"miniapp_template_reminder": "S"},
            None,
            Route(SUBSCRIBE, (SUBSCRIBE,), "S"),
        ),
        ("reminder", "miniapp", {}, None, "MINIAPP_TEMPLATE_REMINDER"),
        ("text", "miniapp", {}, 1, "subscribe messages only"),
        ("mass_text", None, {}, None, Route(MASS, (MASS,))),
        (
            "appeal_reply",
            "mp",
            {"template_appeal_reply": "A"},
            100,
            Route(TEMPLATE, (TEMPLATE,), "A"),
        ),
        ("appeal_reply", "mp", {}, 1, Route(CUSTOM, (CUSTOM,))),
        ("appeal_reply", "mp", {}, 49, "45015"),
        (
            "appeal_reply",
            "miniapp",
            {"miniapp_template_appeal_reply": "B"},
            None,
            Route(SUBSCRIBE, (SUBSCRIBE,), "B"),
        ),
        ("appeal_reply", "miniapp", {}, None, "MINIAPP_TEMPLATE_APPEAL_REPLY"),
        (
            "family_change",
            "mp",
            {"template_family_changed": "F"},
            100,
            Route(TEMPLATE, (TEMPLATE,), "F"),
        ),
        ("family_change", "mp", {}, 1, Route(CUSTOM, (CUSTOM,))),
        ("family_change", "mp", {}, 49, "45015"),
        (
            "family_change",
            "miniapp",
            {"miniapp_template_family_changed": "G"},
            None,
            Route(SUBSCRIBE, (SUBSCRIBE,), "G"),
        ),
        ("family_change", "miniapp", {}, None, "MINIAPP_TEMPLATE_FAMILY_CHANGED"),
        ("fax", "mp", {}, 1, "unknown notice kind"),
    ],
)
def test_the_route_of_each_notice(
    kind: str, channel: str | None, templates: dict, hours_ago: int | None, expected
) -> None:
    now = datetime(2020, 3, 10, 1, tzinfo=UTC)
    schedules = {k: v for k, v in templates.items() if hasattr(Schedules, k)}
    top = {k: v for k, v in templates.items() if k not in schedules}
    settings = Settings(**top, schedules=Schedules(**schedules))
    last = now - timedelta(hours=hours_ago) if hours_ago is not None else None
    if isinstance(expected, Route):
        assert route(kind, channel, last, now, settings) == expected
    else:
        with pytest.raises(Unroutable, match=expected):
            route(kind, channel, last, now, settings)


async def test_the_rate_limit_spaces_calls_to_one_api() -> None:
    moment = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        moment[0] += seconds

    limits = ApiLimits(rate=5, clock=lambda: moment[0], sleep=sleep)
    calls = []

    async def call(api: str) -> None:
        await limits.call(api, lambda: _record(calls, api, moment[0]))

    for _ in range(10):
        await call(CUSTOM)
    await call(TEMPLATE)  # another API has its own bucket
    custom_times = [t for api, t in calls if api == CUSTOM]
    assert custom_times[:5] == [0.0] * 5  # a second's burst
    assert custom_times[5:] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert calls[-1] == (TEMPLATE, pytest.approx(1.0))


async def _record(calls: list, api: str, at: float) -> None:
    calls.append((api, at))


async def test_a_quota_answer_pauses_only_that_api_until_it_resets() -> None:
    now = [datetime(2020, 3, 12, 15, 30, tzinfo=UTC)]  # 23:30 in Beijing
    limits = ApiLimits(rate=10, now=lambda: now[0])

    async def refused(errcode: int) -> None:
        raise WeChatQuotaError(errcode, "quota", QUOTA_ERRCODES[errcode])

    with pytest.raises(WeChatQuotaError):
        await limits.call(TEMPLATE, lambda: refused(45011))
    assert limits.paused_until((TEMPLATE,)) == now[0] + timedelta(minutes=1)
    assert limits.paused_until((CUSTOM,)) is None
    with pytest.raises(Held):
        await limits.call(TEMPLATE, lambda: refused(45011))
    with pytest.raises(WeChatQuotaError):  # the day's quota: until just after midnight
        await limits.call(CUSTOM, lambda: refused(45009))
    midnight = datetime(2020, 3, 12, 16, 0, tzinfo=UTC)
    assert limits.paused_until((CUSTOM, TEMPLATE)) == midnight + RESET_MARGIN
    with pytest.raises(WeChatQuotaError):  # one recipient's quota pauses no API
        await limits.call(SUBSCRIBE, lambda: refused(45047))
    assert limits.paused_until((SUBSCRIBE,)) is None
    now[0] = midnight + RESET_MARGIN
    assert limits.paused_until((TEMPLATE, CUSTOM)) is None


async def test_the_real_rate_limit_slows_a_burst_down(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, wechat_rate_per_second=10.0, outbox_concurrency=8)
    await texts_to_followers(rt, "r", 20)
    started = time.perf_counter()
    assert await send_due_notices(rt, gateway) == 20
    assert time.perf_counter() - started >= 0.9  # 10 at once, then 10 at 10 a second


async def test_the_scheduled_job_drains_a_backlog_batch_after_batch(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, outbox_batch=10)
    await texts_to_followers(rt, "d", 25)
    assert (await drain_outbox(rt, gateway)).sent == 25
    assert await Notice.filter(status="sent").count() == 25
    assert (await drain_outbox(rt, gateway)).sent == 0


async def test_draining_stops_when_a_whole_batch_goes_nowhere(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, outbox_batch=5)
    await texts_to_followers(rt, "n", 12)
    fake_wechat.fail_next(CUSTOM_SEND, -1, times=None)
    assert (await drain_outbox(rt, gateway)).sent == 0
    assert (
        len(fake_wechat.calls_to(CUSTOM_SEND)) == 5
    )  # one batch tried, then wait for the next run


async def test_two_senders_at_once_never_send_a_row_twice(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, outbox_batch=10)
    await texts_to_followers(rt, "t", 40)
    fake_wechat.delay(CUSTOM_SEND, 0.01)
    sent = await asyncio.gather(*(drain_outbox(rt, gateway) for _ in range(3)))
    assert sum(drained.sent for drained in sent) == 40
    texts = [body["text"]["content"] for body in fake_wechat.sent(CUSTOM_SEND)]
    assert len(texts) == len(set(texts)) == 40
