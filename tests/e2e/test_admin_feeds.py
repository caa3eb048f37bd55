"""``POST /api/admin/feeds`` through the real app: counts, refusals with their index, the same
feed twice, a record that waits for its person to register in the chat, and the audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from aiohttp.test_utils import TestClient

from bot.services.staff import add_staff
from models.audit import AuditEntry
from models.authority import AuthorityRecord, FeedImport
from models.code import HealthCode
from models.outbox import Notice
from models.person import Person
from tests.e2e.test_declaration_dialogue import GREEN_ANSWERS, VALID_ID, declare
from tests.e2e.test_family import CHILD, MOTHER
from tests.support.clock import FakeClock
from tests.support.wechat_user import WeChatUser

FEEDS = "/api/admin/feeds"
WRONG_CHECKSUM = VALID_ID[:-1] + "1"


def record(record_id: str, doc: str, status: str = "confirmed", **extra: object) -> dict:
    since = (date.today() - timedelta(days=1)).isoformat()
    return {
        "record_id": record_id,
        "doc_type": "resident_id",
        "doc_number": doc,
        "status": status,
        "since": since,
        **extra,
    }


@pytest.fixture
async def official(client: TestClient) -> dict[str, str]:
    _staff, token = await add_staff("官员乙", "official")
    return {"Authorization": f"Bearer {token}"}


async def post_feed(client: TestClient, headers: dict, *records: dict, source: str = "tj-cdc"):
    response = await client.post(
        FEEDS, json={"source": source, "records": list(records)}, headers=headers
    )
    return response.status, await response.json()


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
