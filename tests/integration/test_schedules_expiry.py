"""Codes that change with time alone: the expiry job re-decides every code whose valid_until
has passed (a quarantine ends, 14 days after a high-risk district, an override runs out) and
queues the notices in the same transaction. The clock is moved by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.codes.decisions import redecide
from bot.services.housekeeping.expiry import CAUSE, redecide_expired, redecide_expired_codes
from bot.services.runtime import Runtime
from models.appeal import CodeOverride
from models.code import CodeChange
from models.declaration import Declaration
from models.district import District
from models.outbox import Notice
from models.person import Account, Guardianship
from tests.support.clock import FakeClock
from tests.support.jobs import code_of, local_midnight, quarantine, today
from tests.support.people import make_person

BINHAI, JIZHOU = 120116, 120119


async def test_a_quarantine_ends_at_midnight_after_its_last_day(
    rt: Runtime, clock: FakeClock
) -> None:
    person = await make_person(rt)
    last_day = today(rt) + timedelta(days=2)
    await quarantine(rt, person, last_day)
    code = await code_of(person)
    assert code.color == "orange" and code.valid_until == local_midnight(
        rt, last_day + timedelta(1)
    )

    clock.moment = code.valid_until - timedelta(seconds=1)
    assert (await redecide_expired(rt)).decided == 0
    assert (await code_of(person)).color == "orange"
    assert await Notice.filter(kind="code_changed").count() == 0

    clock.moment = code.valid_until
    done = await redecide_expired(rt)
    assert (done.decided, done.changed, done.notices) == (1, 1, 1)
    code = await code_of(person)
    assert code.color == "green" and code.valid_until is None and code.decided_at == clock()
    change = await CodeChange.filter(person_id=person.id).order_by("-id").first()
    assert (change.old_color, change.new_color, change.cause) == ("orange", "green", CAUSE)
    [notice] = await Notice.filter(kind="code_changed")
    account = await Account.get(person_id=person.id)
    assert notice.account_id == account.id and notice.status == "pending"
    assert notice.payload == {
        "person": person.public_id,
        "old": "orange",
        "new": "green",
        "cause": CAUSE,
    }

    # Nothing is due any more: a second run changes nothing and queues nothing.
    clock.advance(days=1)
    assert (await redecide_expired(rt)).decided == 0
    assert await Notice.filter(kind="code_changed").count() == 1


async def test_fourteen_days_after_a_high_risk_district_the_code_turns_green(
    rt: Runtime, clock: FakeClock
) -> None:
    await District.filter(adcode=BINHAI).update(tier="high")
    visitor = await make_person(rt, lives_in=JIZHOU, declared_in=BINHAI, days_ago=3)
    code = await code_of(visitor)
    assert code.color == "orange" and code.reasons[0]["rule_id"] == "high_tier_presence"
    visited_on = (clock() - timedelta(days=3)).astimezone(rt.ruleset.tz).date()
    assert code.valid_until == local_midnight(rt, visited_on + timedelta(days=15))

    clock.moment = code.valid_until + timedelta(minutes=5)
    done = await redecide_expired(rt)
    assert (done.decided, done.changed) == (1, 1)
    assert (await code_of(visitor)).color == "green"


async def test_an_override_that_runs_out_gives_the_rules_back(
    rt: Runtime, clock: FakeClock
) -> None:
    person = await make_person(rt)
    until = clock() + timedelta(days=3, hours=5)
    await CodeOverride.create(
        person_id=person.id,
        color="orange",
        until=until,
        reason_zh="人工复核",
        reason_en="Reviewed",
        created_at=clock(),
    )
    await redecide(rt, person, "override")
    assert (await code_of(person)).color == "orange"
    assert (await code_of(person)).valid_until == until

    clock.moment = until
    assert (await redecide_expired(rt)).changed == 1
    assert (await code_of(person)).color == "green"


async def test_guardians_hear_of_a_family_members_change_too(rt: Runtime, clock: FakeClock) -> None:
    member = await make_person(rt, channel=None, name="王奶奶")
    guardian = await make_person(rt, name="王小明")
    await Guardianship.create(
        actor_id=guardian.id, member_id=member.id, relation="parent", created_at=clock()
    )
    await quarantine(rt, member, today(rt))
    clock.moment = (await code_of(member)).valid_until

    assert (await redecide_expired(rt)).notices == 1
    [notice] = await Notice.filter(kind="code_changed")
    guardian_account = await Account.get(person_id=guardian.id)
    assert notice.account_id == guardian_account.id
    assert notice.payload["person"] == member.public_id


async def test_a_code_whose_reasons_end_but_colour_stays_gets_no_notice(
    rt: Runtime, clock: FakeClock
) -> None:
    person = await make_person(rt)
    await Declaration.filter(person_id=person.id).update(
        left_city=True, from_city="北京", return_date=today(rt)
    )
    await redecide(rt, person, "declaration")
    code = await code_of(person)
    assert code.color == "green" and code.reasons[0]["rule_id"] == "other_return"
    assert code.valid_until is not None

    clock.moment = code.valid_until
    done = await redecide_expired(rt)
    assert (done.decided, done.changed, done.notices) == (1, 0, 0)
    code = await code_of(person)
    assert code.reasons[0]["rule_id"] == "no_risk" and code.valid_until is None


async def test_many_expired_codes_are_done_in_batches_and_others_left_alone(
    rt: Runtime, clock: FakeClock
) -> None:
    last_day = today(rt)
    ending = [await make_person(rt) for _ in range(5)]
    for person in ending:
        await quarantine(rt, person, last_day)
    later = await make_person(rt)
    await quarantine(rt, later, last_day + timedelta(days=5))
    clock.moment = local_midnight(rt, last_day + timedelta(days=1))

    done = await redecide_expired(rt, batch=2)
    assert (done.decided, done.changed, done.notices) == (5, 5, 5)
    assert {(await code_of(p)).color for p in ending} == {"green"}
    assert (await code_of(later)).color == "orange"


async def test_the_job_logs_what_it_did(
    rt: Runtime, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    person = await make_person(rt)
    await quarantine(rt, person, today(rt))
    clock.moment = (await code_of(person)).valid_until
    caplog.set_level("INFO", logger="bot.services.housekeeping.expiry")
    await redecide_expired_codes(rt)
    assert "expired codes: 1 re-decided, 1 changed colour, 1 notices queued" in caplog.text
