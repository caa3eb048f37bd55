"""The daily reminder, the purge of chat records and retention: each job called directly with
the hand-moved clock, its effect read back from the database."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent

from bot.services.housekeeping.purge import LAPSED_KEPT, PROCESSED_KEPT, purge_chat_records
from bot.services.housekeeping.reminders import remind_to_declare
from bot.services.housekeeping.retention import apply_retention
from bot.services.runtime import Runtime
from bot.settings import MIN_RETENTION_DAYS, Settings, SettingsError
from bot.wechat import WeChatGateway
from bot.wechat.routes import reminder_reach
from bot.wechat.sender import Drained, send_due_notices
from models.code import HealthCode
from models.declaration import Declaration
from models.dialogue import DialogueState, ProcessedMessage
from models.lookup import LookupLog
from models.outbox import Notice
from models.person import Account, Guardianship, Person
from models.staff import ScanLog, Staff
from schedules.scheduler import _catch_up, build_scheduler
from tests.fakes.wechat_api import CUSTOM_SEND, SUBSCRIBE_SEND, TEMPLATE_SEND, FakeWeChat
from tests.support.clock import FakeClock
from tests.support.jobs import configure
from tests.support.people import make_person


async def remind(rt: Runtime) -> int:
    """The daily reminder as the scheduler runs it: the WeChat adapter says who it reaches."""
    return await remind_to_declare(rt, reminder_reach(rt.settings))


async def reminders() -> dict[int, Notice]:
    return {n.account_id: n for n in await Notice.filter(kind="reminder")}


async def account_of(person: Person) -> Account:
    return await Account.get(person_id=person.id)


# --- the daily reminder -------------------------------------------------------------------------


async def test_people_who_have_not_declared_for_a_week_are_reminded_once_a_day(
    rt: Runtime,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure(rt, template_reminder="TPL-R")  # reaches people who have not written lately
    stale = await make_person(rt, days_ago=8)
    fresh = await make_person(rt, days_ago=2)
    await Account.create(channel="mp", openid="o-no-person", last_message_at=clock())
    caplog.set_level("INFO", logger="bot.services.housekeeping.reminders")

    assert await remind(rt) == 1
    assert "daily reminder: 1 reminders queued (last declaration over 7 days ago)" in caplog.text
    queued = await reminders()
    account = await account_of(stale)
    assert list(queued) == [account.id]
    day = clock().astimezone(rt.ruleset.tz).date().isoformat()
    assert queued[account.id].dedupe_key == f"reminder:{day}:{account.id}"
    assert queued[account.id].payload == {"person": stale.public_id}

    clock.advance(hours=3)  # the same day: a second run (a new leader catching up) adds nothing
    assert await remind(rt) == 0
    assert len(await reminders()) == 1

    clock.advance(days=1)
    assert await remind(rt) == 1  # tomorrow's; `fresh` is at 3 days, still fine
    clock.advance(days=5)
    assert await remind(rt) == 2
    assert await Notice.filter(kind="reminder", account__person_id=fresh.id).count() == 1


async def test_only_accounts_a_message_can_reach_are_reminded(
    rt: Runtime,
    clock: FakeClock,
) -> None:
    writing = await make_person(rt, days_ago=8)
    quiet = await make_person(rt, days_ago=8)
    await Account.filter(person_id=quiet.id).update(last_message_at=clock() - timedelta(days=3))
    mini = await make_person(rt, days_ago=8, channel="miniapp")

    assert await remind(rt) == 1
    assert list(await reminders()) == [(await account_of(writing)).id]

    configure(rt, template_reminder="TPL-R", miniapp_template_reminder="SUB-R")
    clock.advance(days=1)
    assert await remind(rt) == 3
    assert {n.account_id for n in await Notice.filter(kind="reminder")} == {
        (await account_of(p)).id for p in (writing, quiet, mini)
    }


async def test_the_reminder_reads_well_and_is_dropped_if_the_person_declared_meanwhile(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    zh = await make_person(rt, days_ago=9, name="李小红")
    en = await make_person(rt, days_ago=10, name="Anna Smith", lang="en")
    keen = await make_person(rt, days_ago=8)
    assert await remind(rt) == 3
    await Declaration.create(
        person_id=keen.id,
        district_id=120119,
        left_city=False,
        symptoms=[],
        contact=False,
        declared_at=clock(),
    )
    assert await send_due_notices(rt, gateway) == 2
    texts = {body["touser"]: body["text"]["content"] for body in fake_wechat.sent(CUSTOM_SEND)}
    last = (clock() - timedelta(days=9)).astimezone(rt.ruleset.tz).date().isoformat()
    assert texts[(await account_of(zh)).openid] == (
        f"【健康申报提醒】李*红，您上次健康申报是在 {last}（9 天前）。"
        "如健康状况或行程有变化，请回复“申领”更新申报，健康码会随之更新。"
    )
    english = texts[(await account_of(en)).openid]
    assert "(10 days ago)" in english and 'reply "apply"' in english
    skipped = await Notice.get(kind="reminder", account__person_id=keen.id)
    assert skipped.status == "skipped"


async def test_family_without_an_account_are_reminded_through_who_declares_for_them(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    """FAQ 18: an elderly parent without a phone is reminded through the child who declares."""
    child = await make_person(rt, days_ago=1, name="张三")  # declared lately: no own reminder
    grandma = await make_person(rt, days_ago=9, name="王秀英", channel=None)
    grandpa = await make_person(rt, days_ago=9, name="张大山")  # has an account of his own
    for member in (grandma, grandpa):
        await Guardianship.create(
            actor_id=child.id, member_id=member.id, relation="parent", created_at=clock()
        )
    assert await remind(rt) == 2  # grandma via the child; grandpa on his own
    account = await account_of(child)
    day = clock().astimezone(rt.ruleset.tz).date().isoformat()
    notice = await Notice.get(account_id=account.id)
    assert notice.dedupe_key == f"reminder:{day}:{account.id}:{grandma.public_id}"
    assert notice.payload == {
        "person": grandma.public_id,
        "actor": child.public_id,
        "relation": "parent",
    }
    assert await Notice.filter(account__person_id=grandpa.id, kind="reminder").count() == 1
    assert await remind(rt) == 0  # once a day

    assert await send_due_notices(rt, gateway) == 2
    texts = {body["touser"]: body["text"]["content"] for body in fake_wechat.sent(CUSTOM_SEND)}
    last = (clock() - timedelta(days=9)).astimezone(rt.ruleset.tz).date().isoformat()
    assert texts[account.openid] == (
        f"【健康申报提醒】您为 王*英（父母）代办的健康申报上次是在 {last}（9 天前）。"
        "如其健康状况或行程有变化，请回复“切换”选择 王*英，再回复“申领”更新申报。"
    )

    # removed from the family before tomorrow's reminder went out: it is not sent
    clock.advance(days=1)
    assert await remind(rt) == 2
    await Guardianship.filter(member_id=grandma.id).delete()
    fake_wechat.calls.clear()
    assert await send_due_notices(rt, gateway) == 1
    dropped = await Notice.filter(account_id=account.id).order_by("-id").first()
    assert dropped.status == "skipped" and "no longer acts" in dropped.last_error


async def test_a_reminder_by_template_and_by_subscribe_message(
    rt: Runtime,
    gateway: WeChatGateway,
    fake_wechat: FakeWeChat,
    clock: FakeClock,
) -> None:
    configure(rt, template_reminder="TPL-R", miniapp_template_reminder="SUB-R")
    await make_person(rt, days_ago=8)
    await make_person(rt, days_ago=8, channel="miniapp")
    await remind(rt)
    assert await send_due_notices(rt, gateway) == 2
    [template] = fake_wechat.sent(TEMPLATE_SEND)
    assert template["template_id"] == "TPL-R"
    assert template["data"]["first"]["value"] == "健康申报提醒"
    [subscribe] = fake_wechat.sent(SUBSCRIBE_SEND)
    assert subscribe["template_id"] == "SUB-R"
    assert all(len(field["value"]) <= 20 for field in subscribe["data"].values())


def test_the_reminder_time_and_age_come_from_the_environment() -> None:
    settings = Settings.from_env({"HC_REMINDER_TIME": "08:30", "HC_REMINDER_AFTER_DAYS": "3"})
    assert settings.schedules.reminder_time == time(8, 30)
    assert settings.schedules.reminder_after == timedelta(days=3)
    with pytest.raises(SettingsError, match="HC_REMINDER_TIME"):
        Settings.from_env({"HC_REMINDER_TIME": "half past eight"})


def test_a_daily_run_missed_while_no_process_led_is_caught_up_within_its_grace() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    at, grace = time(9, 0), timedelta(hours=1)
    assert _catch_up(datetime(2020, 3, 10, 9, 20, tzinfo=tz), at, grace) is not None
    assert _catch_up(datetime(2020, 3, 10, 8, 59, tzinfo=tz), at, grace) is None
    assert _catch_up(datetime(2020, 3, 10, 10, 0, tzinfo=tz), at, grace) is None


async def test_the_scheduler_has_every_job_with_its_policy(
    rt: Runtime,
    gateway: WeChatGateway,
) -> None:
    scheduler = build_scheduler(rt, gateway)
    scheduler.start(paused=True)  # defaults are applied as jobs join a started scheduler
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == {
        "drain_outbox",
        "redecide_expired_codes",
        "purge_chat_records",
        "finish_tier_changes",
        "remind_to_declare",
        "apply_retention",
        "refresh_trust_lists",
    }
    assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())
    grace = {name: job.misfire_grace_time for name, job in jobs.items()}
    assert grace == {
        "drain_outbox": 2,
        "redecide_expired_codes": 60,
        "purge_chat_records": 600,
        "finish_tier_changes": 300,
        "remind_to_declare": 3600,
        "apply_retention": 6 * 3600,
        "refresh_trust_lists": 6 * 3600,
    }
    reminder = jobs["remind_to_declare"].trigger
    assert str(reminder.timezone) == "Asia/Shanghai"
    assert {f.name: str(f) for f in reminder.fields if f.name in ("hour", "minute")} == {
        "hour": "9",
        "minute": "0",
    }


async def test_a_sender_run_cut_short_by_its_budget_runs_again_at_once(
    rt: Runtime,
    gateway: WeChatGateway,
) -> None:
    scheduler = build_scheduler(rt, gateway)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job("drain_outbox")
        tick = job.next_run_time

        def ran(drained: Drained) -> None:
            now = datetime.now(scheduler.timezone)
            event = JobExecutionEvent(EVENT_JOB_EXECUTED, job.id, "default", now, retval=drained)
            scheduler._dispatch_event(event)

        ran(Drained(sent=50, more=False))
        assert scheduler.get_job(job.id).next_run_time == tick  # the next tick, as planned
        ran(Drained(sent=50, more=True))
        assert scheduler.get_job(job.id).next_run_time < tick  # now, not at the next tick
    finally:
        scheduler.shutdown(wait=False)


# --- purge ------------------------------------------------------------------------------------


async def test_the_purge_forgets_old_message_ids_and_long_lapsed_dialogues(
    rt: Runtime,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = clock()
    for key, age in (("old", PROCESSED_KEPT + timedelta(minutes=1)), ("new", timedelta(hours=1))):
        await ProcessedMessage.create(key=key, reply=None, created_at=now - age)
    ages = {"active": timedelta(minutes=-10), "lapsed": timedelta(hours=2)}
    ages["gone"] = LAPSED_KEPT + timedelta(minutes=1)
    for name, age in ages.items():
        account = await Account.create(channel="mp", openid=f"o-{name}")
        await DialogueState.create(
            account_id=account.id, flow="declare", step="name", data="x", expires_at=now - age
        )
    caplog.set_level("INFO", logger="bot.services.housekeeping.purge")

    done = await purge_chat_records(rt)

    assert (done.processed, done.dialogues) == (1, 1)
    assert await ProcessedMessage.all().values_list("key", flat=True) == ["new"]
    left = await DialogueState.all().prefetch_related("account")
    assert sorted(d.account.openid for d in left) == ["o-active", "o-lapsed"]
    assert "purge: 1 handled messages, 1 lapsed dialogues," in caplog.text


# --- retention ----------------------------------------------------------------------------------


async def declaration(person: Person, days_ago: float, clock: FakeClock) -> Declaration:
    return await Declaration.create(
        person_id=person.id,
        district_id=120119,
        left_city=False,
        symptoms=[],
        contact=True,
        declared_at=clock() - timedelta(days=days_ago),
    )


async def test_retention_deletes_old_declarations_and_scans_but_keeps_the_latest(
    rt: Runtime,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    days = rt.settings.schedules.retention_days
    active = await make_person(rt, days_ago=1)
    old_of_active = [await declaration(active, days + n, clock) for n in (1, 5)]
    dormant = await make_person(rt, days_ago=days + 30)  # declared once, long ago
    code_before = await HealthCode.get(person_id=dormant.id)
    staff = await Staff.create(name="检查员", role="checkpoint", token_hash=secrets.token_hex(32))
    for age in (days + 1, days - 1):
        await ScanLog.create(
            staff_id=staff.id,
            person_id=active.id,
            verdict="pass",
            color="green",
            created_at=clock() - timedelta(days=age),
        )
    for age in (days + 2, days + 1, days - 1):  # ID-card lookups go with the scans
        await LookupLog.create(
            staff_id=staff.id, outcome="unknown", created_at=clock() - timedelta(days=age)
        )
    caplog.set_level("INFO", logger="bot.services.housekeeping.retention")

    done = await apply_retention(rt)

    assert (done.declarations, done.scans, done.lookups) == (2, 1, 2)
    assert await LookupLog.all().count() == 1
    assert not await Declaration.filter(id__in=[d.id for d in old_of_active]).exists()
    assert await Declaration.filter(person_id=active.id).count() == 1
    assert await Declaration.filter(person_id=dormant.id).count() == 1  # their code's basis
    assert await ScanLog.all().count() == 1
    assert (await HealthCode.get(person_id=dormant.id)).color == code_before.color
    assert f"retention ({days} days): 2 declarations, 1 scans and 2 lookups deleted" in caplog.text


async def test_retention_works_through_many_rows_in_batches(
    rt: Runtime,
    clock: FakeClock,
) -> None:
    from bot.services.housekeeping.retention import delete_expired_records

    days = rt.settings.schedules.retention_days
    people = [await make_person(rt) for _ in range(3)]
    for person in people:
        for n in range(4):
            await declaration(person, days + 1 + n, clock)
    done = await delete_expired_records(rt, batch=5)
    assert done.declarations == 12
    assert await Declaration.all().count() == 3


def test_retention_shorter_than_the_rules_look_back_is_refused() -> None:
    with pytest.raises(SettingsError, match="HC_RETENTION_DAYS"):
        Settings.from_env({"HC_RETENTION_DAYS": str(MIN_RETENTION_DAYS - 1)})
    assert Settings.from_env({"HC_RETENTION_DAYS": "30"}).schedules.retention_days == 30
