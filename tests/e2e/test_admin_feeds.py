"""``POST /api/admin/feeds`` through the real app: counts, refusals with their index, the same
feed twice, a record that waits for its person to register in the chat, and the audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import RUNTIME
from bot.services.access.staff import add_staff
from bot.services.housekeeping.expiry import redecide_expired
from models.audit import AuditEntry
from models.authority import AuthorityRecord, FeedImport
from models.code import HealthCode
from models.outbox import Notice
from models.person import Person
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.clock import FakeClock
from tests.support.feeds import FEEDS, post_feed, record
from tests.support.ids import CHILD, MOTHER, VALID_ID
from tests.support.wechat_user import WeChatUser

TIANJIN = ZoneInfo("Asia/Shanghai")
WRONG_CHECKSUM = VALID_ID[:-1] + "1"


@pytest.fixture
async def official(client: TestClient) -> dict[str, str]:
    _staff, token = await add_staff("官员乙", "official")
    return {"Authorization": f"Bearer {token}"}


async def test_a_feed_turns_a_registered_resident_red(
    client: TestClient, resident: WeChatUser, official: dict, clock: FakeClock
) -> None:
    await declare(resident, GREEN_ANSWERS)
    clock.advance(minutes=1)
    status, body = await post_feed(
        client, official, record("r1", VALID_ID), record("r2", MOTHER, "close_contact")
    )
    assert status == 200, body
    assert {k: body[k] for k in ("received", "created", "updated", "matched")} == {
        "received": 2,
        "created": 2,
        "updated": 0,
        "matched": 1,
    }
    assert body["rejected"] == [] and body["changed"] == 1
    assert (await HealthCode.get()).color == "red"
    notice = await Notice.get(kind="code_changed")
    assert (notice.payload["old"], notice.payload["new"]) == ("green", "red")
    assert "红码" in await resident.say("亮码")


async def test_the_same_records_sent_twice_change_nothing(
    client: TestClient, resident: WeChatUser, official: dict, clock: FakeClock
) -> None:
    await declare(resident, GREEN_ANSWERS)
    feed = [record("r1", VALID_ID), record("r2", MOTHER)]
    await post_feed(client, official, *feed)
    notices, records = await Notice.all().count(), await AuthorityRecord.all().count()
    clock.advance(minutes=1)
    status, body = await post_feed(client, official, *feed)
    assert status == 200
    assert (body["received"], body["created"], body["updated"], body["unchanged"]) == (2, 0, 0, 2)
    assert body["matched"] == 1 and body["changed"] == 0
    assert (await Notice.all().count(), await AuthorityRecord.all().count()) == (notices, records)
    assert await FeedImport.all().count() == 2


async def test_a_wrong_checksum_is_reported_with_its_index_and_the_rest_imports(
    client: TestClient, official: dict
) -> None:
    status, body = await post_feed(
        client,
        official,
        record("r1", MOTHER),
        record("r2", WRONG_CHECKSUM),
        record("r3", CHILD, "quarantine", until=(date.today() + timedelta(days=9)).isoformat()),
    )
    assert status == 200
    assert body["received"] == 3 and body["created"] == 2
    [refused] = body["rejected"]
    assert (refused["index"], refused["field"]) == (1, "doc_number")
    assert "校验位" in refused["error"]
    stored = await FeedImport.get(id=body["import_id"])
    assert stored.rejected == [refused]
    assert WRONG_CHECKSUM not in str(stored.rejected)


async def test_a_record_applies_when_the_resident_registers_in_the_chat(
    client: TestClient, resident: WeChatUser, official: dict, clock: FakeClock
) -> None:
    status, body = await post_feed(client, official, record("r1", VALID_ID))
    assert status == 200 and body["matched"] == 0
    assert (await AuthorityRecord.get()).person_id is None
    clock.advance(minutes=1)
    reply = await declare(resident, GREEN_ANSWERS)
    assert "红码" in reply and "确诊" in reply
    person = await Person.get()
    assert (await AuthorityRecord.get()).person_id == person.id
    assert (await HealthCode.get(person_id=person.id)).color == "red"


async def test_the_import_is_audited_with_the_official(client: TestClient, official: dict) -> None:
    status, body = await post_feed(client, official, record("r1", MOTHER))
    assert status == 200
    entry = await AuditEntry.get(action="feed.import")
    assert entry.staff_id is not None and entry.target == f"feed_import:{body['import_id']}"
    assert entry.after["received"] == 1 and MOTHER not in str(entry.after)
    assert (await FeedImport.get()).staff_id == entry.staff_id


async def test_tokens_are_checked_first(client: TestClient) -> None:
    missing = await client.post(FEEDS, json={"source": "x", "records": []})
    assert missing.status == 401
    _staff, token = await add_staff("检查员甲", "checkpoint")
    forbidden = await client.post(
        FEEDS, json={"source": "x", "records": []}, headers={"Authorization": f"Bearer {token}"}
    )
    assert forbidden.status == 403
    assert not await FeedImport.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"records": []}, "source"),
        ({"source": "x" * 65, "records": []}, "source"),
        ({"source": "tj-cdc"}, "records"),
        ({"source": "tj-cdc", "records": {"r1": {}}}, "records"),
    ],
)
async def test_a_malformed_request_is_422(
    client: TestClient, official: dict, body: dict, field: str
) -> None:
    response = await client.post(FEEDS, json=body, headers=official)
    assert response.status == 422
    assert (await response.json())["error"]["field"] == field
    assert not await FeedImport.exists()


async def test_a_body_that_is_not_a_json_object_is_400(client: TestClient, official: dict) -> None:
    for data in (b"source=x", b"[1, 2]"):
        response = await client.post(
            FEEDS, data=data, headers={**official, "Content-Type": "application/json"}
        )
        assert response.status == 400
    assert not await FeedImport.exists()


async def test_a_feed_larger_than_the_bound_is_413(client: TestClient, official: dict) -> None:
    from handlers.admin_feeds import MAX_BYTES

    padding = "x" * (MAX_BYTES + 1)
    response = await client.post(
        FEEDS,
        data=f'{{"source": "{padding}"}}',
        headers={**official, "Content-Type": "application/json"},
    )
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "feeds.too_large"


async def test_a_feed_above_64_kib_is_taken(client: TestClient, official: dict) -> None:
    records = [record(f"r{i}", MOTHER, "cleared") for i in range(800)]
    status, body = await post_feed(client, official, *records)
    assert status == 200 and body["created"] == 800


async def test_a_quarantine_ending_at_18_00_turns_green_at_the_expiry_run_after_18_00(
    client: TestClient, resident: WeChatUser, official: dict, clock: FakeClock
) -> None:
    """``until`` takes an RFC 3339 instant: the code is orange until that minute, not until the
    end of its day, and the expiry job's first run after it turns it green."""
    clock.moment = datetime(2026, 12, 1, 9, 0, tzinfo=TIANJIN)
    await declare(resident, GREEN_ANSWERS)
    since = "2026-11-24T09:30:00+08:00"
    status, body = await post_feed(
        client,
        official,
        record("q1", VALID_ID, "quarantine", since=since, until="2026-12-01T18:00:00+08:00"),
    )
    assert status == 200 and body["rejected"] == [], body
    code = await HealthCode.get()
    assert code.color == "orange"
    assert code.valid_until == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 18:00 in Tianjin
    assert "2026-12-01 18:00" in code.reasons[0]["zh"]
    runtime = client.app[RUNTIME]
    clock.moment = datetime(2026, 12, 1, 17, 59, tzinfo=TIANJIN)
    assert (await redecide_expired(runtime)).changed == 0
    clock.moment = datetime(2026, 12, 1, 18, 1, tzinfo=TIANJIN)
    assert (await redecide_expired(runtime)).changed == 1
    assert (await HealthCode.get()).color == "green"
    notice = await Notice.filter(kind="code_changed").order_by("-id").first()
    assert notice is not None and (notice.payload["old"], notice.payload["new"]) == (
        "orange",
        "green",
    )


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2026-11-24", "2026-12-01T18:00:00"),  # a time without its offset
        ("2026-11-24T09:30+08:00", "2026-12-03"),  # no seconds: not RFC 3339
        ("2026-12-01T20:00:00+08:00", "2026-12-03"),  # since later than now
        ("2026-11-30T12:00:00Z", "2026-11-30T11:00:00Z"),  # ends before it starts
    ],
)
async def test_a_since_or_until_that_is_no_date_nor_instant_is_refused_in_the_persons_language(
    client: TestClient, official: dict, clock: FakeClock, since: str, until: str
) -> None:
    clock.moment = datetime(2026, 12, 1, 9, 0, tzinfo=TIANJIN)
    rec = record("q1", MOTHER, "quarantine", since=since, until=until)
    status, body = await post_feed(client, official, rec)
    assert status == 200 and body["created"] == 0
    [refused] = body["rejected"]
    assert refused["field"] in ("since", "until") and refused["error"]
    assert not await AuthorityRecord.exists()
