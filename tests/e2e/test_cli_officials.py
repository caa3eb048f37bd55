"""``python -m bot import-feed FILE`` and ``python -m bot redecide`` run as an operator runs
them: a subprocess on the same database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.ruleset_files import default_ruleset_text
from bot.services.district_table import ensure_districts
from bot.services.housekeeping.expiry import redecide_expired
from bot.services.runtime import Runtime, build_runtime
from bot.settings import Settings
from models.audit import AuditEntry
from models.authority import AuthorityRecord, FeedImport
from models.code import HealthCode
from models.district import District
from models.outbox import Notice
from tests.support.cli import run_bot
from tests.support.clock import FakeClock
from tests.support.districts import BINHAI, HEPING
from tests.support.people import color_of, make_person, resident_id

KNOWN, UNKNOWN = resident_id(7001), resident_id(7002)
BAD = KNOWN[:-1] + ("1" if KNOWN[-1] != "1" else "2")
SINCE = (date.today() - timedelta(days=1)).isoformat()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def rt(db: str, data_dir: Path) -> Runtime:
    """The runtime of the test process: the same data key as the command's (``data_dir``)."""
    runtime = build_runtime(Settings(data_dir=data_dir, database_url=db))
    await ensure_districts(runtime)
    return runtime


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text("record_id,doc_type,doc_number,status,since,until\n" + "".join(lines))
    return path


async def test_a_csv_with_a_bad_line_imports_the_rest_and_names_the_line(
    rt: Runtime, db: str, data_dir: Path, tmp_path: Path
) -> None:
    person = await make_person(rt, BINHAI, doc=KNOWN)
    feed = write_csv(
        tmp_path / "cases.csv",
        f"c1,resident_id,{KNOWN},confirmed,{SINCE},\n",
        f"c2,resident_id,{BAD},suspected,{SINCE},\n",
        f"c3,resident_id,{UNKNOWN},close_contact,{SINCE},\n",
    )
    done = run_bot(
        "import-feed", str(feed), "--source", "tj-cdc", data_dir=data_dir, database_url=db
    )
    assert done.returncode == 1, done.stderr
    assert "received 3: created 2, updated 0, unchanged 0, refused 1" in done.stdout
    assert "line 3 (doc_number): 身份证号校验位不正确" in done.stdout
    assert "matched 1 records" in done.stdout and "1 changed colour" in done.stdout
    assert "100%" in done.stderr  # the progress
    assert BAD not in done.stdout + done.stderr and KNOWN not in done.stdout + done.stderr
    assert await color_of(person) == "red"
    assert await Notice.filter(kind="code_changed").count() == 1
    assert sorted(await AuthorityRecord.all().values_list("record_id", flat=True)) == ["c1", "c3"]
    imported = await FeedImport.get()
    assert (imported.source, imported.received, imported.created) == ("tj-cdc", 3, 2)
    assert imported.rejected[0]["line"] == 3
    entry = await AuditEntry.get(action="feed.import")
    assert entry.staff_id is None and entry.after["rejected"] == 1


async def test_the_same_file_twice_changes_nothing(
    rt: Runtime, db: str, data_dir: Path, tmp_path: Path
) -> None:
    await make_person(rt, BINHAI, doc=KNOWN)
    feed = write_csv(tmp_path / "cases.csv", f"c1,resident_id,{KNOWN},confirmed,{SINCE},\n")
    first = run_bot("import-feed", str(feed), data_dir=data_dir, database_url=db)
    assert first.returncode == 0, first.stderr
    again = run_bot("import-feed", str(feed), data_dir=data_dir, database_url=db)
    assert again.returncode == 0, again.stderr
    assert "created 0, updated 0, unchanged 1, refused 0" in again.stdout
    assert "0 codes re-decided" in again.stdout
    assert await Notice.filter(kind="code_changed").count() == 1


async def test_an_until_given_as_an_instant_ends_the_quarantine_at_that_minute(
    rt: Runtime, db: str, data_dir: Path, tmp_path: Path
) -> None:
    """The CSV's ``until`` as an RFC 3339 instant (three hours from now, Tianjin time): the code
    is orange until then, and the expiry job's first run after it turns it green."""
    person = await make_person(rt, BINHAI, doc=KNOWN)
    now = datetime.now(UTC).replace(microsecond=0)
    ends = now + timedelta(hours=3)
    until = ends.astimezone(ZoneInfo("Asia/Shanghai")).isoformat()  # …T…+08:00
    feed = write_csv(tmp_path / "q.csv", f"q1,resident_id,{KNOWN},quarantine,{SINCE},{until}\n")
    done = run_bot("import-feed", str(feed), data_dir=data_dir, database_url=db)
    assert done.returncode == 0, done.stdout + done.stderr
    code = await HealthCode.get(person_id=person.id)
    assert (code.color, code.valid_until) == ("orange", ends)
    stored = await AuthorityRecord.get(record_id="q1")
    assert stored.until == ends
    later = build_runtime(rt.settings, FakeClock(ends - timedelta(minutes=1)))
    assert (await redecide_expired(later)).changed == 0
    after = build_runtime(rt.settings, FakeClock(ends + timedelta(minutes=1)))
    assert (await redecide_expired(after)).changed == 1
    assert await color_of(person) == "green"


async def test_json_lines_import_and_english_refusals(
    rt: Runtime, db: str, data_dir: Path, tmp_path: Path
) -> None:
    feed = tmp_path / "cases.jsonl"
    feed.write_text(
        f'{{"record_id": "j1", "doc_type": "resident_id", "doc_number": "{UNKNOWN}", '
        f'"status": "quarantine", "since": "{SINCE}", "until": "{SINCE}"}}\n'
        "{broken\n"
    )
    done = run_bot("import-feed", str(feed), "--lang", "en", data_dir=data_dir, database_url=db)
    assert done.returncode == 1
    assert "created 1" in done.stdout and "line 2: This line is not a valid JSON" in done.stdout


async def test_a_file_that_cannot_be_read_imports_nothing(
    rt: Runtime, db: str, data_dir: Path, tmp_path: Path
) -> None:
    missing = run_bot("import-feed", str(tmp_path / "nope.csv"), data_dir=data_dir, database_url=db)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,number\n1,2\n")
    refused = run_bot("import-feed", str(wrong), data_dir=data_dir, database_url=db)
    assert refused.returncode == 2 and "record_id" in refused.stderr
    assert not await AuthorityRecord.exists()


def ruleset_r2(tmp_path: Path, effective: str = "2020-03-01T00:00:00+08:00") -> Path:
    """The default rules, version r2, where presence in a medium-tier district is orange too."""
    text = default_ruleset_text().replace('version = "r1"', 'version = "r2"')
    text = text.replace(
        "effective_from = 2020-03-01T00:00:00+08:00", f"effective_from = {effective}"
    )
    text += """
[[rule]]
id = "medium_tier_presence"
when = { presence_in_tier = "medium", within_days = 14 }
color = "orange"
reason_zh = "近14天到访过中风险地区 {district}"
reason_en = "You were in the medium-risk area {district} in the last 14 days."

[[case]]
name = "in a medium-tier district is orange under r2"
rule = "medium_tier_presence"
now = 2020-03-10T09:00:00+08:00
expect = "orange"

[[case.facts.presences]]
adcode = 120101
district_name = "和平区"
district_name_en = "Heping"
tier = "medium"
last_seen = 2020-03-09
"""
    path = tmp_path / "r2.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_redecide(*args: str, rules: Path, data_dir: Path, db: str):
    return run_bot("redecide", *args, data_dir=data_dir, database_url=db, HC_RULES_FILE=str(rules))


async def test_redecide_applies_a_new_ruleset_to_everyone(
    rt: Runtime, db: str, data_dir: Path, tmp_path: Path
) -> None:
    heping = await make_person(rt, HEPING)
    binhai = await make_person(rt, BINHAI)
    rules = ruleset_r2(tmp_path)
    done = run_redecide(rules=rules, data_dir=data_dir, db=db)
    assert done.returncode == 0, done.stderr
    assert "ruleset r2: 2 codes re-decided, 1 changed colour, 1 notices queued" in done.stdout
    assert "re-decided" in done.stderr  # the progress lines
    assert await color_of(heping) == "orange" and await color_of(binhai) == "green"
    assert set(await HealthCode.all().values_list("rules_version", flat=True)) == {"r2"}
    entry = await AuditEntry.get(action="rules.redecide")
    assert entry.before == {"versions": ["r1"]} and entry.after["changed"] == 1
    again = run_redecide(rules=rules, data_dir=data_dir, db=db)
    assert "ruleset r2: 0 codes re-decided" in again.stdout
    every = run_redecide("--all", rules=rules, data_dir=data_dir, db=db)
    assert "ruleset r2: 2 codes re-decided, 0 changed" in every.stdout


async def test_redecide_refuses_a_ruleset_not_yet_in_effect(
    rt: Runtime, db: str, data_dir: Path, tmp_path: Path
) -> None:
    await make_person(rt, HEPING)
    rules = ruleset_r2(tmp_path, effective="2999-01-01T00:00:00+08:00")
    done = run_redecide(rules=rules, data_dir=data_dir, db=db)
    assert done.returncode == 1 and "takes effect" in done.stderr
    assert set(await HealthCode.all().values_list("rules_version", flat=True)) == {"r1"}


async def test_redecide_finishes_a_tier_change_a_dead_process_left(
    rt: Runtime, db: str, data_dir: Path, tmp_path: Path
) -> None:
    person = await make_person(rt, BINHAI)
    # the tier committed, then the process died before any batch
    await District.filter(adcode=BINHAI).update(tier="high", tier_changed_at=rt.now())
    done = run_bot("redecide", data_dir=data_dir, database_url=db)
    assert done.returncode == 0, done.stderr
    assert "unfinished tier changes: 1 codes re-decided, 1 changed" in done.stdout
    assert await color_of(person) == "orange"
