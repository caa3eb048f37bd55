"""``GET /api/admin/stats``: codes by colour and district, open appeals, today's scans."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from aiohttp.test_utils import TestClient

from bot.services.access.staff import add_staff
from bot.services.runtime import Runtime
from models.staff import ScanLog
from tests.support.chat import appeal, district_resident, orange_resident, red_resident
from tests.support.staff import bearer


async def test_officials_only(client: TestClient, checkpoint: str) -> None:
    assert (await client.get("/api/admin/stats")).status == 401
    assert (await client.get("/api/admin/stats", headers=bearer("hc_of_x"))).status == 401
    assert (await client.get("/api/admin/stats", headers=bearer(checkpoint))).status == 403


async def test_an_empty_city(client: TestClient, official: str) -> None:
    response = await client.get("/api/admin/stats", headers=bearer(official))
    assert response.status == 200
    body = await response.json()
    assert body["codes"]["total"] == 0
    assert body["codes"]["by_color"] == {"green": 0, "orange": 0, "red": 0}
    assert len(body["codes"]["by_district"]) == 16
    assert body["appeals"] == {"open": 0} and body["scans"]["today"] == 0


async def test_codes_by_colour_and_district_appeals_and_scans(
    client: TestClient,
    runtime: Runtime,
    official: str,
) -> None:
    await district_resident(client, "o-green", "120101199003071235", "1")  # 和平区, green
    orange = await orange_resident(client, runtime)  # 和平区, orange
    await red_resident(client)  # 和平区, red
    await district_resident(client, "o-hedong", "110105194801010016", "2")  # 河东区, green
    await appeal(orange)
    staff, _token = await add_staff("检查员", "checkpoint")
    tz = runtime.ruleset.tz
    midnight = datetime.combine(runtime.now().astimezone(tz).date(), time(), tz)
    for moment, verdict in [
        (midnight - timedelta(seconds=1), "pass"),  # yesterday in Tianjin
        (midnight, "pass"),
        (midnight + timedelta(hours=8), "deny"),
        (midnight + timedelta(days=1), "pass"),  # tomorrow
    ]:
        await ScanLog.create(staff_id=staff.id, verdict=verdict, created_at=moment)

    body = await (await client.get("/api/admin/stats", headers=bearer(official))).json()

    assert body["codes"]["total"] == 4
    assert body["codes"]["by_color"] == {"green": 2, "orange": 1, "red": 1}
    districts = {d["district"]: d for d in body["codes"]["by_district"]}
    assert districts[120101] == {
        "district": 120101,
        "name": "和平区",
        "name_en": "Heping",
        "tier": districts[120101]["tier"],
        "green": 1,
        "orange": 1,
        "red": 1,
        "total": 3,
    }
    assert (districts[120102]["green"], districts[120102]["total"]) == (1, 1)
    assert districts[120119]["total"] == 0
    assert body["appeals"] == {"open": 1}
    assert body["scans"]["today"] == 2
    assert body["scans"]["by_verdict"] == {"pass": 1, "deny": 1}
    assert body["scans"]["day"] == midnight.date().isoformat()
