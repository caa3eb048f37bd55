"""Tier changes re-decide residents and visitors of the district in batches, with their
notices and audit entries, and a run that died part-way is finished later."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.health.errors import InvalidInput
from bot.services.errors import NotFound
from bot.services.redecide.batches import redecide_batch
from bot.services.redecide.stalled_tiers import finish_tier_changes
from bot.services.redecide.tiers import finish_unfinished, set_tier
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.audit import AuditEntry
from models.code import CodeChange, HealthCode
from models.district import District
from models.outbox import Notice
from tests.support.clock import FakeClock
from tests.support.districts import BINHAI, JIZHOU, runtime_with_districts
from tests.support.people import color_of, make_person


@pytest.fixture
async def rt(db: str, tmp_path: Path, clock: FakeClock) -> Runtime:
    return await runtime_with_districts(db, tmp_path, clock)


async def test_a_high_tier_makes_residents_and_recent_visitors_orange(
    rt: Runtime, clock: FakeClock
) -> None:
    residents = [await make_person(rt, BINHAI) for _ in range(3)]
    visitor = await make_person(rt, JIZHOU, declared_in=BINHAI, days_ago=3)
    long_ago = await make_person(rt, JIZHOU, declared_in=BINHAI, days_ago=20)
    elsewhere = await make_person(rt, JIZHOU)
    clock.advance(minutes=1)

    changed = await set_tier(rt, None, BINHAI, "high", "聚集性疫情", batch=2)

    assert (changed.tier, changed.previous, changed.tally.decided) == ("high", "low", 4)
    assert changed.tally.changed == 4 and changed.tally.notices == 4
    for person in [*residents, visitor]:
        assert await color_of(person) == "orange"
        code = await HealthCode.get(person_id=person.id)
        assert code.reasons[0]["rule_id"] == "high_tier_presence"
        assert "滨海新区" in code.reasons[0]["zh"]
    assert await color_of(long_ago) == "green" and await color_of(elsewhere) == "green"
    notices = await Notice.filter(kind="code_changed").order_by("id")
    assert len(notices) == 4
    assert {n.payload["new"] for n in notices} == {"orange"}
    assert {n.payload["cause"] for n in notices} == {f"tier:{BINHAI}:high"}
    history = await CodeChange.filter(cause=f"tier:{BINHAI}:high").count()
    assert history == 4
    district = await District.get(adcode=BINHAI)
    assert district.tier == "high" and district.tier_changed_at == clock()


async def test_the_change_and_its_re_decisions_are_audited(rt: Runtime, clock: FakeClock) -> None:
    await make_person(rt, BINHAI)
    clock.advance(minutes=1)
    await set_tier(rt, None, BINHAI, "high", "note")
    entries = await AuditEntry.filter(target=f"district:{BINHAI}").order_by("id")
    assert [e.action for e in entries] == ["tier.change", "tier.redecided"]
    assert entries[0].before == {"tier": "low"}
    assert entries[0].after == {"tier": "high", "note": "note"}
    assert entries[1].after["decided"] == 1 and entries[1].after["changed"] == 1


async def test_lowering_the_tier_turns_them_green_again(rt: Runtime, clock: FakeClock) -> None:
    person = await make_person(rt, BINHAI)
    clock.advance(minutes=1)
    await set_tier(rt, None, BINHAI, "high", "")
    clock.advance(minutes=1)
    changed = await set_tier(rt, None, BINHAI, "medium", "")
    assert changed.tally.changed == 1
    assert await color_of(person) == "green"
    last = await Notice.filter(kind="code_changed").order_by("-id").first()
    assert last is not None and (last.payload["old"], last.payload["new"]) == ("orange", "green")


async def test_a_medium_tier_changes_no_colour(rt: Runtime, clock: FakeClock) -> None:
    person = await make_person(rt, BINHAI)
    clock.advance(minutes=1)
    changed = await set_tier(rt, None, BINHAI, "medium", "")
    assert changed.tally.decided == 1 and changed.tally.changed == 0
    assert await color_of(person) == "green"
    assert not await Notice.filter(kind="code_changed").exists()


async def test_guardians_are_told_too_and_people_without_accounts_are_re_decided(
    rt: Runtime, clock: FakeClock
) -> None:
    lone = await make_person(rt, BINHAI, channel=None)
    clock.advance(minutes=1)
    changed = await set_tier(rt, None, BINHAI, "high", "")
    assert changed.tally.changed == 1 and changed.tally.notices == 0
    assert await color_of(lone) == "orange"


async def test_the_same_tier_again_changes_nothing(rt: Runtime, clock: FakeClock) -> None:
    await make_person(rt, BINHAI)
    clock.advance(minutes=1)
    await set_tier(rt, None, BINHAI, "high", "")
    clock.advance(minutes=1)
    again = await set_tier(rt, None, BINHAI, "high", "")
    assert again.tally.decided == 0 and again.tally.notices == 0
    assert await Notice.filter(kind="code_changed").count() == 1


async def test_a_run_that_died_part_way_is_finished_by_resuming(
    rt: Runtime, clock: FakeClock
) -> None:
    people = [await make_person(rt, BINHAI) for _ in range(5)]
    clock.advance(minutes=1)
    # the tier committed, then the process died after the first batch of two
    await District.filter(adcode=BINHAI).update(tier="high", tier_changed_at=clock())
    async with UnitOfWork() as uow:
        await redecide_batch(rt, [people[0].id, people[1].id], f"tier:{BINHAI}:high")
        uow.commit()
    clock.advance(minutes=5)

    finished = await finish_unfinished(rt, batch=2)

    assert finished.decided == 3 and finished.changed == 3
    assert [await color_of(p) for p in people] == ["orange"] * 5
    # and once finished, there is nothing left to finish
    assert (await finish_unfinished(rt)).decided == 0


async def test_the_scheduler_finishes_a_change_whose_run_died_once_it_is_old_enough(
    rt: Runtime, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    people = [await make_person(rt, BINHAI) for _ in range(3)]
    fresh = await make_person(rt, JIZHOU)
    clock.advance(minutes=1)
    # a change to Binhai died before its first batch; Jizhou's is being worked on right now
    await District.filter(adcode=BINHAI).update(tier="high", tier_changed_at=clock())
    clock.advance(minutes=31)
    await District.filter(adcode=JIZHOU).update(tier="high", tier_changed_at=clock())
    caplog.set_level("INFO", logger="bot.services.redecide.stalled_tiers")

    done = await finish_tier_changes(rt)  # the default grace: 30 minutes

    assert done.decided == 3 and done.notices == 3
    assert [await color_of(p) for p in people] == ["orange"] * 3
    assert await color_of(fresh) == "green"  # left to the process working on it
    assert "stalled tier changes: 3 people re-decided, 3 changed colour" in caplog.text
    binhai = await District.get(adcode=BINHAI)
    assert binhai.tier_done_at == clock()
    # Binhai is done: later runs leave it alone
    clock.advance(minutes=60)
    jizhou_later = await finish_tier_changes(rt)
    assert jizhou_later.decided == 1  # old enough now, and never marked done
    assert (await finish_tier_changes(rt)).decided == 0


async def test_a_change_finished_in_the_request_is_marked_done(
    rt: Runtime, clock: FakeClock
) -> None:
    await make_person(rt, BINHAI)
    clock.advance(minutes=1)
    await set_tier(rt, None, BINHAI, "high", "")
    district = await District.get(adcode=BINHAI)
    assert district.tier_done_at == clock() and district.tier_changed_at == clock()
    clock.advance(hours=2)
    assert (await finish_tier_changes(rt)).decided == 0


async def test_sending_the_same_tier_again_also_resumes(rt: Runtime, clock: FakeClock) -> None:
    people = [await make_person(rt, BINHAI) for _ in range(3)]
    clock.advance(minutes=1)
    await District.filter(adcode=BINHAI).update(tier="high", tier_changed_at=clock())
    clock.advance(minutes=1)
    resumed = await set_tier(rt, None, BINHAI, "high", "retry")
    assert resumed.tally.decided == 3
    assert [await color_of(p) for p in people] == ["orange"] * 3


async def test_an_unknown_district_or_tier_is_refused_and_nothing_changes(rt: Runtime) -> None:
    with pytest.raises(NotFound):
        await set_tier(rt, None, 999999, "high", "")
    with pytest.raises(InvalidInput):
        await set_tier(rt, None, BINHAI, "severe", "")
    assert (await District.get(adcode=BINHAI)).tier == "low"
    assert not await AuditEntry.exists()


async def test_batches_issue_a_bounded_number_of_queries(
    rt: Runtime, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Set-based: the statements of a tier change grow with the batches, not with the people."""
    for _ in range(12):
        await make_person(rt, BINHAI)
    clock.advance(minutes=1)
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        await set_tier(rt, None, BINHAI, "high", "", batch=4)  # 12 people, 3 batches
    three_batches = _statements(caplog)
    caplog.clear()
    for _ in range(36):
        await make_person(rt, BINHAI)
    clock.advance(minutes=1)
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        changed = await set_tier(rt, None, BINHAI, "low", "", batch=48)  # 48 people, 1 batch
    assert changed.tally.decided == 48 and changed.tally.changed == 48
    assert 0 < _statements(caplog) < three_batches


def _statements(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for r in caplog.records if r.name == "tortoise.db_client")
