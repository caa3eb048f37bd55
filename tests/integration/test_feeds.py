"""Feeds: records matched by the keyed hash, idempotent imports, refusals with their position,
later registration, chunks, files, and the import's own record and audit entry."""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import pytest

from bot.health.errors import InvalidInput
from bot.services.feeds.files import FeedFileError, count_records, read_feed
from bot.services.feeds.imports import import_feed
from bot.services.runtime import Runtime
from models.audit import AuditEntry
from models.authority import AuthorityRecord, FeedImport
from models.code import CodeChange
from models.outbox import Notice
from tests.support.clock import FakeClock
from tests.support.districts import BINHAI, runtime_with_districts
from tests.support.feeds import record as feed_record
from tests.support.people import color_of, make_person, resident_id

UNKNOWN = resident_id(9001)
BAD_CHECKSUM = UNKNOWN[:-1] + ("0" if UNKNOWN[-1] != "0" else "1")


@pytest.fixture
async def rt(db: str, tmp_path: Path, clock: FakeClock) -> Runtime:
    return await runtime_with_districts(db, tmp_path, clock)


record = partial(feed_record, days_ago=2)


def rows(*records: object) -> list[tuple[int, object]]:
    return list(enumerate(records))


async def test_a_confirmed_record_turns_its_person_red_and_tells_them(
    rt: Runtime, clock: FakeClock
) -> None:
    person = await make_person(rt, BINHAI, doc=resident_id(5001))
    clock.advance(minutes=1)
    result = await import_feed(
        rt, None, "tj-cdc", rows(record("r1", resident_id(5001)), record("r2", UNKNOWN))
    )
    assert (result.received, result.created, result.updated, result.matched) == (2, 2, 0, 1)
    assert result.rejected == [] and result.tally.changed == 1
    assert await color_of(person) == "red"
    notice = await Notice.get(kind="code_changed")
    assert (
        notice.payload["new"] == "red" and notice.payload["cause"] == f"feed:{result.import_id}:1"
    )
    unmatched = await AuthorityRecord.get(record_id="r2")
    assert unmatched.person_id is None and UNKNOWN not in unmatched.doc_lookup


async def test_the_same_records_twice_change_nothing(rt: Runtime, clock: FakeClock) -> None:
    await make_person(rt, BINHAI, doc=resident_id(5002))
    feed = rows(record("r1", resident_id(5002)), record("r2", UNKNOWN, "suspected"))
    await import_feed(rt, None, "tj-cdc", feed)
    state = (
        await AuthorityRecord.all().count(),
        await CodeChange.all().count(),
        await Notice.all().count(),
    )
    clock.advance(minutes=1)
    again = await import_feed(rt, None, "tj-cdc", feed)
    assert (again.created, again.updated, again.unchanged, again.matched) == (0, 0, 2, 1)
    assert again.tally.decided == 0
    assert state == (
        await AuthorityRecord.all().count(),
        await CodeChange.all().count(),
        await Notice.all().count(),
    )


async def test_a_recovered_record_replaces_the_old_one(rt: Runtime, clock: FakeClock) -> None:
    person = await make_person(rt, BINHAI, doc=resident_id(5003))
    await import_feed(rt, None, "tj-cdc", rows(record("r1", resident_id(5003))))
    assert await color_of(person) == "red"
    clock.advance(minutes=1)
    result = await import_feed(
        rt, None, "tj-cdc", rows(record("r2", resident_id(5003), "recovered"))
    )
    assert result.created == 1 and await color_of(person) == "green"
    clock.advance(minutes=1)
    # the same record id with new content is an update
    changed = await import_feed(
        rt, None, "tj-cdc", rows(record("r2", resident_id(5003), "suspected"))
    )
    assert (changed.created, changed.updated) == (0, 1)
    assert await color_of(person) == "red"


async def test_a_quarantine_is_orange_and_needs_its_end(rt: Runtime, clock: FakeClock) -> None:
    person = await make_person(rt, BINHAI, doc=resident_id(5004))
    until = (date.today() + timedelta(days=10)).isoformat()
    result = await import_feed(
        rt,
        None,
        "tj-cdc",
        rows(
            record("q1", resident_id(5004), "quarantine"),
            record("q2", resident_id(5004), "quarantine", until=until),
        ),
    )
    assert [(r.position, r.field, r.code) for r in result.rejected] == [
        (0, "until", "feeds.until_missing")
    ]
    assert await color_of(person) == "orange"


async def test_bad_records_are_refused_with_their_position_and_the_rest_imports(
    rt: Runtime,
) -> None:
    future = (date.today() + timedelta(days=5)).isoformat()
    result = await import_feed(
        rt,
        None,
        "tj-cdc",
        rows(
            record("ok1", resident_id(5005)),
            record("bad1", BAD_CHECKSUM),
            record("bad2", resident_id(5006), "healthy"),
            {**record("bad3", resident_id(5007)), "doc_type": "driving_licence"},
            {**record("bad4", resident_id(5008)), "since": "yesterday"},
            {**record("bad5", resident_id(5009)), "since": future},
            "not an object",
            {**record("bad7", resident_id(5010)), "record_id": ""},
            record("ok2", resident_id(5011), "close_contact"),
        ),
    )
    refused = [(r.position, r.field, r.code) for r in result.rejected]
    assert refused == [
        (1, "doc_number", "identity.checksum"),
        (2, "status", "feeds.status"),
        (3, "doc_type", "feeds.doc_type"),
        (4, "since", "feeds.date"),
        (5, "since", "feeds.since_future"),
        (6, None, "feeds.not_object"),
        (7, "record_id", "api.missing"),
    ]
    assert result.received == 9 and result.created == 2
    assert "校验位" in result.rejected[0].message("zh")
    assert "check" in result.rejected[0].message("en").lower()
    stored = await FeedImport.get(id=result.import_id)
    assert stored.received == 9 and stored.created == 2
    assert stored.rejected[0] == {
        "line": 1,
        "field": "doc_number",
        "error": result.rejected[0].message("zh"),
    }


async def test_a_record_applies_when_its_person_registers_later(
    rt: Runtime, clock: FakeClock
) -> None:
    await import_feed(rt, None, "tj-cdc", rows(record("r1", resident_id(5012), "close_contact")))
    clock.advance(minutes=1)
    person = await make_person(rt, BINHAI, doc=resident_id(5012))
    assert await color_of(person) == "red"
    assert (await AuthorityRecord.get(record_id="r1")).person_id == person.id


async def test_chunks_keep_the_order_of_the_feed(rt: Runtime, clock: FakeClock) -> None:
    people = [await make_person(rt, BINHAI, doc=resident_id(5100 + i)) for i in range(5)]
    clock.advance(minutes=1)
    feed = rows(
        *(record(f"c{i}", resident_id(5100 + i)) for i in range(5)),
        record("c0", resident_id(5100), "cleared"),  # the same record again, later in the feed
    )
    progress: list[int] = []
    result = await import_feed(
        rt, None, "tj-cdc", feed, chunk=2, progress=lambda r: progress.append(r.received)
    )
    assert (result.created, result.updated, result.matched) == (5, 1, 6)
    assert [await color_of(p) for p in people] == ["green", "red", "red", "red", "red"]
    assert progress == sorted(progress) and progress[-1] == 6


async def test_each_import_is_recorded_and_audited(rt: Runtime) -> None:
    result = await import_feed(rt, None, "tj-cdc", rows(record("r1", UNKNOWN)))
    stored = await FeedImport.get(id=result.import_id)
    assert (stored.source, stored.received, stored.created, stored.matched) == ("tj-cdc", 1, 1, 0)
    entry = await AuditEntry.get(action="feed.import")
    assert entry.target == f"feed_import:{result.import_id}"
    assert entry.after["source"] == "tj-cdc" and entry.after["created"] == 1
    assert UNKNOWN not in json.dumps(entry.after)


async def test_a_missing_source_is_refused(rt: Runtime) -> None:
    with pytest.raises(InvalidInput):
        await import_feed(rt, None, "  ", rows(record("r1", UNKNOWN)))
    assert not await FeedImport.exists()


# --- files --------------------------------------------------------------------------------


def test_a_csv_file_gives_its_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text(
        "\ufeffrecord_id,doc_type,doc_number,status,since,until\n"
        f"a1,resident_id,{UNKNOWN},confirmed,2020-03-01,\n"
        "a2,resident_id\n"
        "\n"
        f"a3,resident_id,{UNKNOWN},quarantine,2020-03-01,2020-03-14\n",
        encoding="utf-8",
    )
    read = list(read_feed(path))
    assert [line for line, _ in read] == [2, 3, 5]
    assert read[0][1]["doc_number"] == UNKNOWN and read[0][1]["until"] == ""
    assert isinstance(read[1][1], InvalidInput) and read[1][1].code == "feeds.columns"
    assert count_records(path) == 3


def test_json_lines_give_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps(record("j1", UNKNOWN)) + "\n{not json\n" + "\n", encoding="utf-8")
    read = list(read_feed(path))
    assert read[0] == (1, record("j1", UNKNOWN))
    assert read[1][0] == 2 and read[1][1].code == "feeds.bad_json"


def test_a_csv_without_the_needed_columns_is_refused_as_a_whole(tmp_path: Path) -> None:
    path = tmp_path / "feed.csv"
    path.write_text("id,document\n1,2\n", encoding="utf-8")
    with pytest.raises(FeedFileError, match="record_id"):
        list(read_feed(path))
