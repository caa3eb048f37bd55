"""Notices at scale: of an account's notices about one person only the newest goes out, and it
tells the change since what the person was last told; red and orange go before green; a
backlog drains with nothing lost. Real tier changes and feeds queue the notices; the real
sender sends them through wechatpy to the fake WeChat API."""

from __future__ import annotations

from datetime import date, timedelta

from bot.services.feeds.imports import import_feed
from bot.services.housekeeping.expiry import redecide_expired
from bot.services.housekeeping.reminders import remind_to_declare
from bot.services.notices import delivery
from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway
from bot.wechat.routes import reminder_reach
from bot.wechat.sender import SKIPPED, drain_outbox, limits_for, send_due_notices, send_one
from models.outbox import Notice
from models.person import Account, Person
from tests.fakes.wechat_api import TEMPLATE_SEND, FakeWeChat
from tests.support.clock import FakeClock
from tests.support.districts import BINHAI, tier
from tests.support.jobs import code_of, configure, quarantine, today
from tests.support.people import make_person, resident_id

GREEN, ORANGE, RED = "🟢 绿码", "🟠 橙码", "🔴 红码"


async def confirmed_case(rt: Runtime, clock: FakeClock, *docs: str) -> None:
    """The health authority's feed lists these documents as confirmed cases: red."""
    clock.advance(seconds=5)
    since = (date.today() - timedelta(days=2)).isoformat()
    records = [
        {
            "record_id": f"case-{doc}",
            "doc_type": "resident_id",
            "doc_number": doc,
            "status": "confirmed",
            "since": since,
        }
        for doc in docs
    ]
    result = await import_feed(rt, None, "tj-cdc", list(enumerate(records)))
    assert result.matched == len(docs)


def told(fake: FakeWeChat) -> list[tuple[str, str]]:
    """(openid, "old → new") of every template message sent."""
    return [
        (body["touser"], body["data"]["keyword2"]["value"]) for body in fake.sent(TEMPLATE_SEND)
    ]


async def openid_of(person: Person) -> str:
    return (await Account.get(person_id=person.id)).openid


async def rows_of(person: Person) -> list[tuple[str, str | None, str]]:
    account = await Account.get(person_id=person.id)
    rows = await Notice.filter(account_id=account.id).order_by("id")
    return [(row.status, row.payload["old"], row.payload["new"]) for row in rows]


async def test_two_changes_before_sending_make_one_notice_with_the_latest_colour(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, template_code_changed="TPL")
    doc = resident_id(7001)
    person = await make_person(rt, BINHAI, doc=doc)
    await tier(rt, clock, "high")  # green → orange
    await confirmed_case(rt, clock, doc)  # orange → red
    assert len(await rows_of(person)) == 2

    assert await send_due_notices(rt, gateway) == 1

    assert told(fake_wechat) == [(await openid_of(person), f"{GREEN} → {RED}")]
    [older, newer] = await Notice.filter(kind="code_changed").order_by("id")
    assert older.status == "skipped" and older.last_error == delivery.SUPERSEDED
    assert newer.status == "sent" and newer.payload["old"] == "green"
    assert await send_due_notices(rt, gateway) == 0


async def test_a_change_undone_before_it_was_sent_sends_nothing(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, template_code_changed="TPL")
    person = await make_person(rt, BINHAI)
    await tier(rt, clock, "high")
    await tier(rt, clock, "low")  # green again: the person never needs to hear of orange

    assert await send_due_notices(rt, gateway) == 0

    assert fake_wechat.calls == []
    assert await rows_of(person) == [("skipped", "green", "orange"), ("skipped", "orange", "green")]
    last = await Notice.filter(kind="code_changed").order_by("-id").first()
    assert last.last_error == delivery.NOTHING_NEW


async def test_the_colour_last_told_is_the_start_of_the_next_notice(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, template_code_changed="TPL")
    doc = resident_id(7002)
    person = await make_person(rt, BINHAI, doc=doc)
    other = await make_person(rt, BINHAI)
    await tier(rt, clock, "high")
    assert await send_due_notices(rt, gateway) == 2  # both told: orange
    await confirmed_case(rt, clock, doc)  # orange → red
    await tier(rt, clock, "low")  # the other: orange → green; the case stays red
    await tier(rt, clock, "high")  # the other: green → orange, as they were last told

    assert await send_due_notices(rt, gateway) == 1

    assert told(fake_wechat)[2:] == [(await openid_of(person), f"{ORANGE} → {RED}")]
    assert [status for status, _, _ in await rows_of(other)] == ["sent", "skipped", "skipped"]


async def test_a_newer_notice_waits_while_an_older_one_is_in_flight(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, template_code_changed="TPL")
    doc = resident_id(7003)
    person = await make_person(rt, BINHAI, doc=doc)
    await tier(rt, clock, "high")
    [in_flight] = (await delivery.claim_due(rt, 10)).deliveries  # another sender has it
    await confirmed_case(rt, clock, doc)

    assert await send_due_notices(rt, gateway) == 0  # the red one waits for it
    assert fake_wechat.calls == []
    assert await rows_of(person) == [("sending", "green", "orange"), ("pending", "orange", "red")]

    # The other sender goes on: what it holds no longer says the truth, so it is not sent.
    assert await send_one(rt, gateway, limits_for(rt), in_flight) == SKIPPED
    assert await send_due_notices(rt, gateway) == 1
    assert told(fake_wechat) == [(await openid_of(person), f"{GREEN} → {RED}")]


async def test_red_and_orange_changes_go_before_green_ones(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, template_code_changed="TPL", outbox_batch=2, outbox_concurrency=1)
    recovering = [await make_person(rt) for _ in range(3)]
    for person in recovering:
        await quarantine(rt, person, today(rt))
    clock.moment = (await code_of(recovering[0])).valid_until
    assert (await redecide_expired(rt)).notices == 3  # orange → green, queued first
    cases = [await make_person(rt, doc=resident_id(7100 + n)) for n in range(2)]
    await confirmed_case(rt, clock, resident_id(7100), resident_id(7101))

    assert await send_due_notices(rt, gateway) == 2  # one batch: the two red ones
    assert {openid for openid, _ in told(fake_wechat)} == {await openid_of(p) for p in cases}
    assert (await drain_outbox(rt, gateway)).sent == 3
    assert [colours for _, colours in told(fake_wechat)[2:]] == [f"{ORANGE} → {GREEN}"] * 3


async def test_a_backlog_drains_with_nothing_lost_and_one_notice_per_person(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    from bench.seed_residents import resident_id as bench_resident_id
    from bench.seed_residents import seed

    configure(rt, template_code_changed="TPL", wechat_rate_per_second=1000, outbox_batch=40)
    people, cases = 200, 50
    await seed(rt, people, BINHAI)
    await tier(rt, clock, "high")  # 200 orange notices
    await confirmed_case(rt, clock, *(bench_resident_id(n) for n in range(cases)))  # 50 red ones

    sent = 0
    while drained := (await drain_outbox(rt, gateway)).sent:
        sent += drained

    assert sent == people
    latest = dict(told(fake_wechat))
    assert len(latest) == len(told(fake_wechat)) == people  # one message per person
    reds = {f"bench-{n}" for n in range(cases)}
    assert {openid for openid, said in latest.items() if said == f"{GREEN} → {RED}"} == reds
    assert sum(said == f"{GREEN} → {ORANGE}" for said in latest.values()) == people - cases
    statuses = [row.status for row in await Notice.filter(kind="code_changed")]
    assert sorted(statuses) == ["sent"] * people + ["skipped"] * cases


async def test_reminders_left_waiting_from_earlier_days_go_out_as_one(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, template_reminder="TPL-R")
    person = await make_person(rt, days_ago=8)
    for _ in range(3):  # three mornings while the template API was paused
        assert await remind_to_declare(rt, reminder_reach(rt.settings)) == 1
        clock.advance(days=1)

    assert (await drain_outbox(rt, gateway)).sent == 1

    [body] = fake_wechat.sent(TEMPLATE_SEND)
    assert body["template_id"] == "TPL-R" and body["touser"] == await openid_of(person)
    reminders = await Notice.filter(kind="reminder").order_by("id")
    assert [row.status for row in reminders] == ["skipped", "skipped", "sent"]
    assert {row.subject for row in reminders} == {person.public_id}
