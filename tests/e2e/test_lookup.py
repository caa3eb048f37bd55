"""The ID-card lane (docs/lookup.md), through the real app: a checkpoint worker looks up a
person by document number and is answered like a scan; every lookup is logged with the keyed
hash of the number (never the number), held to a limit of its own, and counted per worker on
the officials' console."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from bot.app_state import CODEC
from bot.services.access.staff import add_staff
from bot.settings import Settings, SettingsError
from models.lookup import LookupLog
from models.person import Person
from models.staff import ScanLog
from tests.conftest import start_app
from tests.support.chat import GREEN_ANSWERS, MASKED_NAME, RED_ANSWERS, declare, erase
from tests.support.clock import FakeClock
from tests.support.console import dashboard, sign_in
from tests.support.ids import VALID_ID
from tests.support.scans import assert_error, post_scan, scanned_token
from tests.support.wechat_user import WeChatUser

LOOKUP = "/api/checkpoint/lookup"
NOBODY = "110105194801010016"  # a valid number nobody here has
BAD_CHECKSUM = VALID_ID[:-1] + "1"


async def post_lookup(client: TestClient, worker: str, body: Any) -> ClientResponse:
    return await client.post(LOOKUP, json=body, headers={"Authorization": f"Bearer {worker}"})


async def looked_up(client: TestClient, worker: str, number: str = VALID_ID, **more: Any) -> dict:
    body = {"doc_type": "resident_id", "doc_number": number, **more}
    response = await post_lookup(client, worker, body)
    assert response.status == 200, await response.text()
    return await response.json()


@pytest.fixture
async def worker(client: TestClient) -> str:
    _staff, token = await add_staff("检查员丁", "checkpoint")
    return token


async def test_a_lookup_answers_like_a_scan_with_the_live_colour(
    client: TestClient, resident: WeChatUser, worker: str
) -> None:
    await declare(resident, GREEN_ANSWERS)
    seen = await looked_up(client, worker, place="南门")
    assert set(seen) == {"verdict", "color", "name", "reasons"}
    assert (seen["verdict"], seen["color"], seen["name"]) == ("pass", "green", MASKED_NAME)
    assert seen["reasons"] == ["未发现风险，请做好自我健康监测，体温正常方可出行"]
    # typed as people type it: lower-case x, spaces
    spaced = f"{VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:].lower()}"
    assert (await looked_up(client, worker, spaced))["verdict"] == "pass"
    assert (await looked_up(client, worker, temperature=37.5))["verdict"] == "deny"
    await declare(resident, RED_ANSWERS)
    seen = await looked_up(client, worker)
    assert seen["verdict"] == "deny" and seen["color"] == "red" and seen["reasons"]


async def test_every_lookup_is_logged_with_the_hash_never_the_number(
    client: TestClient, resident: WeChatUser, worker: str, clock: FakeClock
) -> None:
    await declare(resident, GREEN_ANSWERS)
    await looked_up(client, worker, place="南门")
    unknown = await post_lookup(client, worker, {"doc_type": "resident_id", "doc_number": NOBODY})
    await assert_error(unknown, 404)
    wrong = await post_lookup(
        client, worker, {"doc_type": "resident_id", "doc_number": BAD_CHECKSUM}
    )
    await assert_error(wrong, 400)

    person = await Person.get()
    rows = await LookupLog.all().order_by("id").values()
    staff_ids = {row["staff_id"] for row in rows}
    assert len(staff_ids) == 1
    assert [(r["outcome"], r["color"], r["place"]) for r in rows] == [
        ("pass", "green", "南门"),
        ("unknown", None, None),
        ("malformed", None, None),
    ]
    assert rows[0]["doc_hash"] == person.doc_lookup and rows[0]["created_at"] == clock()
    assert rows[1]["doc_hash"] not in (None, person.doc_lookup) and rows[2]["doc_hash"] is None
    for row in rows:
        text = " ".join(str(value) for value in row.values())
        assert VALID_ID not in text and NOBODY not in text and VALID_ID[-6:] not in text
    assert not await ScanLog.exists()  # a lookup is not a scan


async def test_an_unknown_number_is_a_404_that_says_what_to_do(
    client: TestClient, worker: str
) -> None:
    response = await post_lookup(client, worker, {"doc_type": "resident_id", "doc_number": NOBODY})
    error = await assert_error(response, 404)
    assert error["code"] == "lookup.not_found" and "尚未申领" in error["message"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"doc_type": "resident_id", "doc_number": BAD_CHECKSUM}, 400, "identity.checksum",
         "doc_number"),
        ({"doc_type": "resident_id", "doc_number": "12345"}, 400, "identity.resident_id_format",
         "doc_number"),
        ({"doc_type": "passport", "doc_number": "E1"}, 400, "identity.passport_format",
         "doc_number"),
        ({"doc_type": "id_card", "doc_number": VALID_ID}, 422, "lookup.doc_type", "doc_type"),
        ({"doc_number": VALID_ID}, 422, "api.missing", "doc_type"),
        ({"doc_type": "resident_id"}, 422, "api.missing", "doc_number"),
        ({"doc_type": "resident_id", "doc_number": 110105}, 422, "api.missing", "doc_number"),
        ({"doc_type": "resident_id", "doc_number": "1" * 65}, 422, "lookup.doc_number_length",
         "doc_number"),
        ({"doc_type": "resident_id", "doc_number": VALID_ID, "temperature": 50}, 422,
         "scan.temperature", None),
    ],
)  # fmt: skip
async def test_a_number_that_cannot_be_is_refused_with_its_reason(
    client: TestClient, worker: str, body: dict, status: int, code: str, field: str | None
) -> None:
    error = await assert_error(await post_lookup(client, worker, body), status)
    assert error["code"] == code and error.get("field") == field


async def test_an_erased_person_is_found_by_nobody(
    client: TestClient, resident: WeChatUser, worker: str
) -> None:
    token = await scanned_token(client, resident)
    assert (await post_scan(client, worker, {"token": token})).status == 200  # the law keeps it
    await erase(resident)
    response = await post_lookup(
        client, worker, {"doc_type": "resident_id", "doc_number": VALID_ID}
    )
    assert (await assert_error(response, 404))["code"] == "lookup.not_found"


async def test_the_console_shows_each_workers_lookups_today(
    client: TestClient, resident: WeChatUser, worker: str, clock: FakeClock
) -> None:
    await declare(resident, GREEN_ANSWERS)
    _staff, colleague = await add_staff("检查员戊", "checkpoint")
    for _ in range(3):
        await looked_up(client, worker)
    await post_lookup(client, worker, {"doc_type": "resident_id", "doc_number": NOBODY})
    await looked_up(client, colleague)
    _staff, official = await add_staff("官员己", "official")
    assert (await sign_in(client, official)).status == 303
    html, _csrf = await dashboard(client)
    section = html[html.index('id="lookups"') :]
    assert "今日证件查询" in section
    # the busiest first: 4 lookups, 1 not found, 0 malformed
    assert section.index("检查员丁") < section.index("检查员戊")
    first = section[section.index("检查员丁") : section.index("检查员戊")]
    assert '<td class="n">4</td><td class="n">1</td><td class="n">0</td>' in first
    clock.advance(days=1)  # a new day starts empty
    assert (await sign_in(client, official)).status == 303  # a new shift too
    html, _csrf = await dashboard(client)
    assert "今天还没有证件查询" in html


# --- the limit --------------------------------------------------------------------------------


@pytest.fixture
async def gate(aiohttp_client, shared_settings: Settings, clock: FakeClock) -> TestClient:
    """60 lookups a minute (one a second), bursts of 2; in memory, or in Redis."""
    limited = dataclasses.replace(shared_settings, lookups_per_minute=60, lookup_burst=2)
    return await start_app(aiohttp_client, limited, clock)


async def test_lookups_have_their_own_tighter_limit(gate: TestClient, clock: FakeClock) -> None:
    resident = WeChatUser(gate, gate.app[CODEC], "o-looked-up")
    token = await scanned_token(gate, resident)
    _staff, worker = await add_staff("检查员甲", "checkpoint")
    _staff, colleague = await add_staff("检查员乙", "checkpoint")
    for _ in range(2):
        await looked_up(gate, worker)
    refused = await post_lookup(gate, worker, {"doc_type": "resident_id", "doc_number": VALID_ID})
    error = await assert_error(refused, 429)
    assert refused.headers["Retry-After"] == "1"
    assert error["code"] == "lookup.too_fast" and "1 秒后再试" in error["message"]
    assert await LookupLog.all().count() == 2  # the refused lookup read nothing, logged nothing
    # scans are another limit, and a colleague has a bucket of their own
    assert (await post_scan(gate, worker, {"token": token})).status == 200
    await looked_up(gate, colleague)
    clock.advance(seconds=1)
    await looked_up(gate, worker)
    metrics = await (await gate.get("/metrics")).text()
    assert 'healthcode_rate_limited_total{limit="lookups"}' in metrics
    assert 'healthcode_lookups_total{outcome="pass"}' in metrics


def test_the_lookup_limit_is_read_from_the_environment() -> None:
    settings = Settings.from_env({"HC_LOOKUPS_PER_MINUTE": "5", "HC_LOOKUP_BURST": "2"})
    assert (settings.lookups_per_minute, settings.lookup_burst) == (5, 2)
    defaults = Settings.from_env({})
    assert (defaults.lookups_per_minute, defaults.lookup_burst) == (20, 10)


@pytest.mark.parametrize(
    ("name", "value"),
    [("HC_LOOKUPS_PER_MINUTE", "-1"), ("HC_LOOKUP_BURST", "0"), ("HC_LOOKUP_BURST", "ten")],
)
def test_a_nonsense_lookup_limit_stops_the_start_with_its_name(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
