"""``PUT /api/admin/districts/{adcode}/tier`` through the real app: the official's token, the
refusals, the residents re-decided and told, and the audit trail."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import BACKGROUND, CODEC
from bot.services.access.staff import add_staff
from bot.settings import Settings
from models.audit import AuditEntry
from models.code import HealthCode
from models.district import District
from models.outbox import Notice
from models.person import Account
from tests.conftest import start_app
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.clock import FakeClock
from tests.support.people import resident_id
from tests.support.wechat_user import WeChatUser

HEPING = 120101  # menu number 1, the district of GREEN_ANSWERS


def tier_url(adcode: object) -> str:
    return f"/api/admin/districts/{adcode}/tier"


@pytest.fixture
async def official(client: TestClient) -> str:
    _staff, token = await add_staff("官员乙", "official")
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_high_tier_turns_the_resident_orange_and_queues_a_notice(
    client: TestClient, resident: WeChatUser, official: str, clock: FakeClock
) -> None:
    await declare(resident, GREEN_ANSWERS)
    clock.advance(minutes=1)
    response = await client.put(
        tier_url(HEPING), json={"tier": "high", "note": "聚集性疫情"}, headers=bearer(official)
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert (body["district"], body["tier"], body["affected"]) == (HEPING, "high", 1)
    assert body["previous"] == "medium" and body["changed"] == 1
    code = await HealthCode.get()
    assert code.color == "orange"
    account = await Account.get(openid=resident.openid)
    notice = await Notice.get(kind="code_changed")
    assert notice.account_id == account.id
    assert (notice.payload["old"], notice.payload["new"]) == ("green", "orange")
    shown = await resident.say("亮码")
    assert "橙码" in shown and "和平区（高风险地区）" in shown and "高风险地区 和平区" in shown


async def test_the_change_is_audited_with_who_before_and_after(
    client: TestClient, official: str, clock: FakeClock
) -> None:
    response = await client.put(
        tier_url(HEPING), json={"tier": "low", "note": "解除"}, headers=bearer(official)
    )
    assert response.status == 200
    entries = await AuditEntry.filter(target=f"district:{HEPING}").order_by("id")
    assert [e.action for e in entries] == ["tier.change", "tier.redecided"]
    change = entries[0]
    assert change.staff_id is not None and change.created_at == clock()
    assert change.before == {"tier": "medium"} and change.after == {"tier": "low", "note": "解除"}
    assert (await District.get(adcode=HEPING)).tier == "low"


async def test_a_missing_token_is_401_and_a_checkpoint_token_is_403(client: TestClient) -> None:
    missing = await client.put(tier_url(HEPING), json={"tier": "high"})
    assert missing.status == 401
    assert (await missing.json())["error"]["code"] == "auth.missing"
    wrong = await client.put(tier_url(HEPING), json={"tier": "high"}, headers=bearer("hc_of_x"))
    assert wrong.status == 401
    _staff, checkpoint = await add_staff("检查员甲", "checkpoint")
    forbidden = await client.put(
        tier_url(HEPING), json={"tier": "high"}, headers=bearer(checkpoint)
    )
    assert forbidden.status == 403
    assert (await forbidden.json())["error"]["code"] == "auth.wrong_role"
    assert (await District.get(adcode=HEPING)).tier == "medium"
    assert not await AuditEntry.exists()


@pytest.mark.parametrize("adcode", ["999999", "110101", "abc", "1201011"])
async def test_an_unknown_district_is_404(client: TestClient, official: str, adcode: str) -> None:
    response = await client.put(tier_url(adcode), json={"tier": "high"}, headers=bearer(official))
    assert response.status == 404
    error = (await response.json())["error"]
    assert error["code"] == "tiers.unknown_district"


@pytest.mark.parametrize("tier", ["severe", "", None, 3])
async def test_an_unknown_tier_is_422(client: TestClient, official: str, tier: object) -> None:
    response = await client.put(
        tier_url(HEPING),
        json={"tier": tier},
        headers={**bearer(official), "Accept-Language": "en"},
    )
    assert response.status == 422
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == ("tiers.unknown_tier", "tier")
    assert "low, medium or high" in error["message"]
    assert (await District.get(adcode=HEPING)).tier == "medium"


async def test_a_body_that_is_not_json_is_400_and_a_long_note_422(
    client: TestClient, official: str
) -> None:
    not_json = await client.put(tier_url(HEPING), data=b"tier=high", headers=bearer(official))
    assert not_json.status == 400
    long_note = await client.put(
        tier_url(HEPING), json={"tier": "high", "note": "长" * 201}, headers=bearer(official)
    )
    assert long_note.status == 422
    assert (await long_note.json())["error"]["field"] == "note"


# --- a large district: re-decided in the background -------------------------------------------


@pytest.fixture
async def patient(aiohttp_client, settings: Settings, clock: FakeClock) -> TestClient:
    """An app that re-decides in the background as soon as more than one person is touched."""
    return await start_app(aiohttp_client, dataclasses.replace(settings, tier_wait_people=1), clock)


async def progress(client: TestClient, token: str) -> dict:
    response = await client.get(tier_url(HEPING), headers=bearer(token))
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_large_change_answers_202_and_finishes_in_the_background(
    patient: TestClient, clock: FakeClock
) -> None:
    residents = [WeChatUser(patient, patient.app[CODEC], f"o-heping-{n}") for n in range(3)]
    for n, resident in enumerate(residents):
        answers = [GREEN_ANSWERS[0], "1", resident_id(n), *GREEN_ANSWERS[3:]]
        assert "绿码" in await declare(resident, answers)
    _staff, token = await add_staff("官员乙", "official")
    clock.advance(minutes=1)

    response = await patient.put(
        tier_url(HEPING), json={"tier": "high", "note": "聚集性疫情"}, headers=bearer(token)
    )
    assert response.status == 202, await response.text()
    body = await response.json()
    assert (body["status"], body["affected"], body["tier"]) == ("running", 3, "high")
    assert (await District.get(adcode=HEPING)).tier == "high"  # in force at once

    for _ in range(200):  # the background task runs on this loop: give it turns
        if (await progress(patient, token))["remaining"] == 0:
            break
        await asyncio.sleep(0.01)
    done = await progress(patient, token)
    assert done["status"] == "done" and done["changed_at"] is not None
    assert await HealthCode.filter(color="orange").count() == 3
    assert await Notice.filter(kind="code_changed").count() == 3
    redecided = await AuditEntry.get(action="tier.redecided", target=f"district:{HEPING}")
    assert redecided.after["decided"] == 3 and redecided.staff_id is not None
    assert len(patient.app[BACKGROUND]) == 0


async def test_progress_of_a_district_never_changed_and_the_refusals(
    client: TestClient, official: str
) -> None:
    untouched = await progress(client, official)
    assert untouched["changed_at"] is None and untouched["remaining"] == 0
    assert untouched["tier"] == "medium" and untouched["status"] == "done"
    assert (await client.get(tier_url(HEPING))).status == 401
    _staff, checkpoint = await add_staff("检查员甲", "checkpoint")
    assert (await client.get(tier_url(HEPING), headers=bearer(checkpoint))).status == 403
    for adcode in ("999999", "abc", "1201011"):
        missing = await client.get(tier_url(adcode), headers=bearer(official))
        assert missing.status == 404
