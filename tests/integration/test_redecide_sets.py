"""The set-based re-decision (a tier change over a district: groups of equal facts decided once,
a statement per group) writes exactly what the person-by-person path writes: the same codes,
the same history rows and the same notices, for people whose facts differ inside the district
too, family members told through their guardians' accounts, and a run that dies part-way and
is finished from its mark.

Each comparison builds the same people twice, on two fresh databases: once for the set-based
run, once for the reference (``decisions.redecide`` person by person, the notices its
audience must get computed here from the accounts and family links)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.db import close_database, open_database
from bot.health.colors import Color
from bot.health.identity import DocType
from bot.services.codes.decisions import redecide
from bot.services.district_table import ensure_districts
from bot.services.notices.kinds import NoticeKind
from bot.services.notices.outbox import priority_of
from bot.services.redecide import batches as redecide_module
from bot.services.redecide.batches import redecide_in_batches
from bot.services.redecide.tiers import finish_unfinished, publish_tier, set_tier, tier_progress
from bot.services.residents.people import Identity, create_person, lookup_key
from bot.services.runtime import Runtime, build_runtime
from bot.services.uow import UnitOfWork
from bot.settings import Settings
from models.appeal import CodeOverride
from models.authority import AuthorityRecord
from models.code import CodeChange, HealthCode
from models.declaration import Declaration
from models.district import District
from models.outbox import Notice
from models.person import Account, Guardianship, Person
from tests.support import databases
from tests.support.clock import FakeClock
from tests.support.people import make_person, resident_id

BINHAI, JIZHOU, HEPING = 120116, 120119, 120101  # low, low, medium in March 2020
CAUSE = f"tier:{BINHAI}:high"
START = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Tianjin
TIANJIN = ZoneInfo("Asia/Shanghai")


async def fresh_world(database_url: str, tmp_path: Path, name: str) -> tuple[Runtime, FakeClock]:
    """An empty, migrated database of the test's backend, the ORM on it, and a runtime whose
    clock starts at the same moment every time."""
    await close_database()
    backend = (
        "postgres"
        if databases.POSTGRES_URL and database_url == databases.POSTGRES_URL
        else "sqlite"
    )
    folder = tmp_path / name
    folder.mkdir()
    url = await databases.prepare(backend, folder)
    await open_database(url)
    clock = FakeClock(START)
    rt = build_runtime(Settings(data_dir=tmp_path / "data", database_url=url), clock)
    await ensure_districts(rt)
    return rt, clock


async def people_of_every_kind(rt: Runtime, clock: FakeClock) -> None:
    """Residents of Binhai whose facts differ, visitors, family members, and people elsewhere."""
    today = clock().date()
    for _ in range(5):
        await make_person(rt, BINHAI)
    await make_person(rt, BINHAI, lang="en")
    await make_person(rt, BINHAI, channel=None)
    await _with_record(rt, await make_person(rt, BINHAI), "confirmed", today - timedelta(days=2))
    await _with_record(
        rt,
        await make_person(rt, BINHAI),
        "quarantine",
        today - timedelta(days=1),
        until=today + timedelta(days=5),
    )
    await _with_record(  # ends this evening, at 18:00
        rt,
        await make_person(rt, BINHAI),
        "quarantine",
        clock() - timedelta(days=3),
        until=datetime.combine(today, time(18), tzinfo=TIANJIN),
    )
    cleared = await make_person(rt, BINHAI)
    await _with_record(rt, cleared, "confirmed", today - timedelta(days=6))
    await _with_record(rt, cleared, "cleared", today - timedelta(days=1), record_id="r2")
    await _declared(rt, await make_person(rt, BINHAI), symptoms=["fever"])
    await _declared(rt, await make_person(rt, BINHAI), contact=True)
    for place, days_ago in (("湖北武汉", 3), ("北京", 2)):  # a listed high-risk place, and not
        back = today - timedelta(days=days_ago)
        person = await make_person(rt, BINHAI)
        await _declared(rt, person, left_city=True, from_city=place, return_date=back)
    corrected = await make_person(rt, BINHAI)
    await CodeOverride.create(
        person_id=corrected.id,
        color="green",
        until=clock() + timedelta(days=3),
        reason_zh="复核无风险",
        reason_en="Reviewed: no risk",
        created_at=clock(),
    )
    await redecide(rt, corrected, "appeal")
    await make_person(rt, BINHAI, declared_in=HEPING, days_ago=2)  # was in another district
    await make_person(rt, BINHAI, declared_in=JIZHOU, days_ago=20)
    for days_ago in (3, 3, 5, 13):
        await make_person(rt, JIZHOU, declared_in=BINHAI, days_ago=days_ago)  # visitors
    await make_person(rt, JIZHOU, declared_in=BINHAI, days_ago=20)  # too long ago
    await make_person(rt, JIZHOU)  # elsewhere
    await _family(rt, guardian_in=JIZHOU, member_in=BINHAI)
    await _family(rt, guardian_in=BINHAI, member_in=BINHAI)
    await _never_declared(rt, BINHAI)
    clock.advance(minutes=1)


def midnight(day: date) -> datetime:
    """The instant a local day starts: how a feed's day is stored."""
    return datetime.combine(day, time(), tzinfo=TIANJIN)


async def _with_record(
    rt: Runtime, person: Person, status: str, since, until=None, record_id: str = "r1"
) -> None:
    """A record as a feed stores it: days become the midnight that starts ``since`` and the one
    that ends ``until`` (its last day); an instant stays as it is."""
    now = rt.now()
    if not isinstance(since, datetime):
        since = midnight(since)
    if until is not None and not isinstance(until, datetime):
        until = midnight(until + timedelta(days=1))
    await AuthorityRecord.create(
        source="test",
        record_id=f"{record_id}-{person.id}",
        doc_lookup=person.doc_lookup,
        person_id=person.id,
        status=status,
        since=since,
        until=until,
        created_at=now,
        updated_at=now,
    )
    await redecide(rt, person, "feed")


async def _declared(rt: Runtime, person: Person, **answers: object) -> None:
    values = {"left_city": False, "symptoms": [], "contact": False, **answers}
    await Declaration.create(
        person_id=person.id, district_id=person.district_id, declared_at=rt.now(), **values
    )
    await redecide(rt, person, "declaration")


async def _family(rt: Runtime, guardian_in: int, member_in: int) -> None:
    guardian = await make_person(rt, guardian_in)
    member = await make_person(rt, member_in, channel=None, name="王小小")
    await Guardianship.create(
        actor_id=guardian.id, member_id=member.id, relation="子女", created_at=rt.now()
    )


async def _never_declared(rt: Runtime, adcode: int) -> None:
    doc = resident_id(8800)
    who = Identity("李四", DocType.RESIDENT_ID, doc, "13900000000")
    person = await create_person(rt, who, lookup_key(rt, who.doc_type, doc), adcode)
    await redecide(rt, person, "declaration")


async def by_reference(rt: Runtime, cause: str = CAUSE) -> None:
    """The tier change person by person: publish, then ``redecide`` each one it can touch."""
    await District.filter(adcode=BINHAI).update(tier="high", tier_changed_at=rt.now())
    residents = await Person.filter(district_id=BINHAI, code__id__isnull=False).order_by("id")
    since = rt.now() - timedelta(days=15)
    visitors = await Declaration.filter(
        district_id=BINHAI, declared_at__gte=since, person__district_id__not=BINHAI
    ).values_list("person_id", flat=True)
    people = residents + await Person.filter(id__in=visitors).order_by("id")
    for person in people:
        async with UnitOfWork() as uow:
            await redecide(rt, person, cause)
            uow.commit()


async def stored(cause: str = CAUSE) -> dict:
    """Everything a re-decision writes, read back, with random ids replaced by row ids."""
    public = dict(await Person.all().values_list("public_id", "id"))
    codes = await HealthCode.all().order_by("person_id")
    history = await CodeChange.filter(cause=cause).order_by("person_id", "id")
    notices = await Notice.filter(kind="code_changed").order_by("dedupe_key")
    return {
        "codes": [
            (c.person_id, c.color, c.reasons, c.rules_version, c.valid_until, c.decided_at)
            for c in codes
        ],
        "history": [
            (
                h.person_id,
                h.old_color,
                h.new_color,
                h.reasons,
                h.cause,
                h.rules_version,
                h.created_at,
            )
            for h in history
        ],
        "notices": [
            (
                n.dedupe_key,
                n.account_id,
                public[n.payload["person"]],
                n.payload["old"],
                n.payload["new"],
                n.payload["cause"],
                public[n.subject],
                n.priority,
                n.status,
                n.due_at,
            )
            for n in notices
        ],
    }


async def notices_due(rt: Runtime, cause: str = CAUSE) -> list[tuple]:
    """The notices the reference's changes must bring: one per changed person and each account
    that shows their code (their own, and their guardians')."""
    stamp = rt.now().strftime("%Y%m%dT%H%M%S.%f")
    expected = []
    for change in await CodeChange.filter(cause=cause):
        accounts = set(
            await Account.filter(person_id=change.person_id).values_list("id", flat=True)
        )
        actors = await Guardianship.filter(member_id=change.person_id).values_list(
            "actor_id", flat=True
        )
        accounts |= set(await Account.filter(person_id__in=actors).values_list("id", flat=True))
        for account_id in accounts:
            expected.append(
                (
                    f"{cause}:{stamp}:{change.person_id}:{account_id}",
                    account_id,
                    change.person_id,
                    change.old_color,
                    change.new_color,
                    cause,
                    change.person_id,
                    priority_of(NoticeKind.CODE_CHANGED, change.new_color),
                    "pending",
                    rt.now(),
                )
            )
    return sorted(expected)


async def reference_outcome(database_url: str, tmp_path: Path) -> dict:
    rt, clock = await fresh_world(database_url, tmp_path, "reference")
    await people_of_every_kind(rt, clock)
    await by_reference(rt)
    outcome = await stored()
    outcome["notices"] = await notices_due(rt)
    return outcome


async def set_based_outcome(
    database_url: str, tmp_path: Path, run: Callable[[Runtime], Awaitable[object]]
) -> dict:
    rt, clock = await fresh_world(database_url, tmp_path, "set-based")
    await people_of_every_kind(rt, clock)
    await run(rt)
    return await stored()


@pytest.mark.parametrize("batch", [1000, 3])
async def test_a_tier_change_writes_what_the_person_by_person_path_writes(
    db: str, tmp_path: Path, batch: int
) -> None:
    expected = await reference_outcome(db, tmp_path)
    got = await set_based_outcome(
        db, tmp_path, lambda rt: set_tier(rt, None, BINHAI, "high", "", batch=batch)
    )
    assert got["codes"] == expected["codes"]
    assert got["history"] == expected["history"]
    assert got["notices"] == expected["notices"]
    colors = {color for _, color, *_ in got["codes"]}
    assert colors == {"green", "orange", "red"}  # the world holds every kind of outcome
    assert len(expected["history"]) > 15 and len(expected["notices"]) > 15


async def test_facts_that_differ_inside_the_district_decide_differently(
    db: str, tmp_path: Path
) -> None:
    got = await set_based_outcome(
        db, tmp_path, lambda rt: set_tier(rt, None, BINHAI, "high", "", batch=1000)
    )
    rules = {}
    for person_id, color, reasons, *_ in got["codes"]:
        rules[person_id] = (color, reasons[0]["rule_id"])
    seen = set(rules.values())
    assert ("red", "authority_confirmed") in seen
    assert ("red", "contact") in seen
    assert ("orange", "authority_quarantine") in seen
    assert ("orange", "symptoms") in seen
    assert ("orange", "high_risk_return") in seen
    assert ("orange", "high_tier_presence") in seen
    assert ("green", "override") in seen  # an official's correction holds over the tier
    assert ("green", "no_risk") in seen  # elsewhere, or visited too long ago


async def test_family_members_are_told_through_their_guardians_accounts(
    db: str, tmp_path: Path
) -> None:
    got = await set_based_outcome(
        db, tmp_path, lambda rt: set_tier(rt, None, BINHAI, "high", "", batch=1000)
    )
    members = await Guardianship.all().values_list("member_id", "actor_id")
    told = {(person, account) for _, account, person, *_ in got["notices"]}
    for member_id, actor_id in members:
        accounts = await Account.filter(person_id=actor_id).values_list("id", flat=True)
        assert {(member_id, account) for account in accounts} <= told
        assert not await Account.filter(person_id=member_id).exists()


async def test_a_run_that_died_part_way_is_finished_from_its_mark_as_if_it_had_not(
    db: str, tmp_path: Path
) -> None:
    expected = await reference_outcome(db, tmp_path)

    async def dies_after_two_batches_then_resumes(rt: Runtime) -> None:
        published = await publish_tier(rt, None, BINHAI, "high", "")
        batches = published_batches(rt, size=4)
        with pytest.raises(RuntimeError, match="the process died"):
            await redecide_in_batches(rt, dies_after(batches, 2), CAUSE)
        progress = await tier_progress(rt, BINHAI)
        assert 0 < progress.remaining < published.pending
        assert (await District.get(adcode=BINHAI)).tier_done_at is None
        await finish_unfinished(rt, batch=4)
        assert (await tier_progress(rt, BINHAI)).remaining == 0

    got = await set_based_outcome(db, tmp_path, dies_after_two_batches_then_resumes)
    assert got == {key: expected[key] for key in ("codes", "history", "notices")}


async def test_a_batch_that_fails_half_way_leaves_no_code_changed_without_its_notice(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = await reference_outcome(db, tmp_path)
    calls = 0
    queue = redecide_module.queue_same_change

    async def fails_on_the_third(*args, **kwargs) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the database went away")
        return await queue(*args, **kwargs)

    async def fails_then_resumes(rt: Runtime) -> None:
        before = dict(await HealthCode.all().values_list("person_id", "color"))
        monkeypatch.setattr(redecide_module, "queue_same_change", fails_on_the_third)
        with pytest.raises(RuntimeError, match="went away"):
            await set_tier(rt, None, BINHAI, "high", "", batch=4)
        now = dict(await HealthCode.all().values_list("person_id", "color"))
        moved = {person for person, color in now.items() if color != before[person]}
        changed = set(await CodeChange.filter(cause=CAUSE).values_list("person_id", flat=True))
        assert moved and moved == changed  # every code that moved has its history…
        told = {n.payload["person"] for n in await Notice.filter(kind="code_changed")}
        public = dict(await Person.filter(id__in=moved).values_list("id", "public_id"))
        shown = await Account.filter(person_id__in=moved).values_list("person_id", flat=True)
        assert {public[p] for p in shown} <= told  # …and its notices
        assert (await tier_progress(rt, BINHAI)).remaining > 0  # the failed batch wrote nothing
        monkeypatch.setattr(redecide_module, "queue_same_change", queue)
        await finish_unfinished(rt, batch=4)

    got = await set_based_outcome(db, tmp_path, fails_then_resumes)
    assert got == {key: expected[key] for key in ("codes", "history", "notices")}


def published_batches(rt: Runtime, size: int):
    from bot.services.redecide.targets import DistrictTargets, presence_cutoff

    district_mark = rt.now()
    return DistrictTargets(
        BINHAI, since=presence_cutoff(rt.now()), decided_before=district_mark
    ).batches(size)


async def dies_after(batches, count: int):
    done = 0
    async for batch in batches:
        if done == count:
            raise RuntimeError("the process died")
        yield batch
        done += 1


async def test_sqlite_and_postgres_store_the_same_moments(db: str, tmp_path: Path) -> None:
    """valid_until written by a group statement reads back as the moment decided."""
    rt, clock = await fresh_world(db, tmp_path, "moments")
    person = await make_person(rt, BINHAI)
    await _with_record(
        rt, person, "quarantine", clock().date(), until=clock().date() + timedelta(days=2)
    )
    code = await HealthCode.get(person_id=person.id)
    clock.advance(minutes=1)
    await set_tier(rt, None, BINHAI, "high", "")
    again = await HealthCode.get(person_id=person.id)
    assert again.valid_until == code.valid_until and again.color == Color.ORANGE.value
    assert again.decided_at == clock()
