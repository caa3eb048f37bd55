"""``POST /api/admin/broadcasts``: officials send a text to the followers of some districts or
everyone, through the outbox."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import CODEC
from bot.services.access.staff import add_staff
from models.audit import AuditEntry, Broadcast
from models.outbox import Notice
from models.person import Account
from tests.support.chat import district_resident
from tests.support.family import add_family
from tests.support.ids import CHILD
from tests.support.staff import bearer
from tests.support.wechat_user import WeChatUser

HEPING, HEDONG, HEXI = 120101, 120102, 120103
NOTICE = "和平区今日起开展全员核酸检测，请留意社区通知。"


async def send(client: TestClient, token: str, body: dict):
    return await client.post("/api/admin/broadcasts", json=body, headers=bearer(token))


async def test_officials_only(client: TestClient, checkpoint: str) -> None:
    assert (await client.post("/api/admin/broadcasts", json={"text": "x"})).status == 401
    assert (await send(client, "hc_of_nonsense", {"text": "x"})).status == 401
    assert (await send(client, checkpoint, {"text": "x"})).status == 403
    assert not await Broadcast.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "text"),
        ({"text": 5}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "长" * 601}, "text"),
        ({"text": "x", "districts": "120101"}, "districts"),
        ({"text": "x", "districts": []}, "districts"),
        ({"text": "x", "districts": ["和平区"]}, "districts"),
        ({"text": "x", "districts": [999999]}, "districts"),
        ({"text": "x", "districts": [HEPING] * 65}, "districts"),
    ],
)
async def test_a_bad_body_is_refused(
    client: TestClient,
    official: str,
    body: dict,
    field: str,
) -> None:
    response = await send(client, official, body)
    assert response.status == 422, await response.text()
    assert (await response.json())["error"]["field"] == field
    assert not await Broadcast.exists() and not await Notice.exists()


async def test_everyone_means_every_follower(client: TestClient, official: str) -> None:
    await district_resident(client, "o-heping", "11010519491231002X", "1")
    await district_resident(client, "o-hedong", "110105195001010012", "2")
    await WeChatUser(client, client.app[CODEC], "o-follower").say("帮助")  # never declared
    await Account.create(channel="miniapp", openid="mini-1")  # no mass send on the mini-program
    response = await send(client, official, {"text": NOTICE})
    assert response.status == 201
    body = await response.json()
    assert body["queued"] == 3 and body["batches"] == 1
    notice = await Notice.get(kind="mass_text")
    assert notice.account_id is None and notice.status == "pending"
    assert sorted(notice.payload["openids"]) == ["o-follower", "o-hedong", "o-heping"]
    assert notice.payload["text"] == NOTICE and notice.payload["broadcast"] == body["broadcast"]
    row = await Broadcast.get(id=body["broadcast"])
    assert (row.queued, row.districts, row.text) == (3, [], NOTICE) and row.staff_id
    audit = await AuditEntry.get(action="broadcast.send")
    assert audit.target == f"broadcast:{row.id}" and audit.staff_id == row.staff_id
    assert audit.after == {"districts": None, "queued": 3, "batches": 1}


async def test_a_district_reaches_its_residents_and_their_families(
    client: TestClient,
    official: str,
) -> None:
    await district_resident(client, "o-heping", "11010519491231002X", "1")
    await district_resident(client, "o-hedong", "110105195001010012", "2")
    # lives in 河西区 and acts for a child living in 和平区 (the family answers say district 1)
    parent = await district_resident(client, "o-parent", "110105194801010016", "3")
    await add_family(parent, "3", "张小宝", CHILD)
    response = await send(client, official, {"text": NOTICE, "districts": [HEPING, "120101"]})
    assert (await response.json())["queued"] == 2
    notice = await Notice.get(kind="mass_text")
    assert sorted(notice.payload["openids"]) == ["o-heping", "o-parent"]
    assert (await Broadcast.get()).districts == [HEPING]
    hexi = await send(client, official, {"text": "河西区通知", "districts": [HEXI]})
    assert (await hexi.json())["queued"] == 1  # the parent alone


async def test_a_lone_recipient_gets_a_text_notice(client: TestClient, official: str) -> None:
    await district_resident(client, "o-hedong", "110105195001010012", "2")
    response = await send(client, official, {"text": "河东区通知", "districts": [HEDONG]})
    body = await response.json()
    assert body == {"broadcast": body["broadcast"], "queued": 1, "batches": 0}
    notice = await Notice.get(dedupe_key=f"broadcast:{body['broadcast']}:text")
    assert notice.kind == "text" and notice.payload == {"text": "河东区通知"}
    assert notice.account_id == (await Account.get(openid="o-hedong")).id
    assert not await Notice.filter(kind="mass_text").exists()


async def test_nobody_to_reach_queues_nothing(client: TestClient, official: str) -> None:
    response = await send(client, official, {"text": "蓟州区通知", "districts": [120119]})
    assert response.status == 201
    assert (await response.json())["queued"] == 0
    assert (await Broadcast.get()).queued == 0 and not await Notice.exists()
    assert await AuditEntry.filter(action="broadcast.send").exists()


# --- a retried request --------------------------------------------------------------------------


async def send_once(client: TestClient, token: str, body: dict, key: str):
    headers = bearer(token) | {"Idempotency-Key": key}
    return await client.post("/api/admin/broadcasts", json=body, headers=headers)


async def test_a_retry_with_the_same_key_queues_nothing_twice(
    client: TestClient,
    official: str,
) -> None:
    await district_resident(client, "o-heping", "11010519491231002X", "1")
    await district_resident(client, "o-hedong", "110105195001010012", "2")
    body = {"text": NOTICE}
    first = await send_once(client, official, body, "console-7f3a")
    assert first.status == 201
    again = await send_once(client, official, body, "console-7f3a")
    assert again.status == 200 and await again.json() == await first.json()
    assert await Broadcast.all().count() == 1
    assert await Notice.filter(kind="mass_text").count() == 1
    assert await AuditEntry.filter(action="broadcast.send").count() == 1
    # a new key is a new broadcast, even with the same words
    assert (await send_once(client, official, body, "console-8b21")).status == 201
    assert await Notice.filter(kind="mass_text").count() == 2


async def test_a_double_click_sends_once(client: TestClient, official: str) -> None:
    await district_resident(client, "o-heping", "11010519491231002X", "1")
    await district_resident(client, "o-hedong", "110105195001010012", "2")
    answers = await asyncio.gather(
        *(send_once(client, official, {"text": NOTICE}, "double-click") for _ in range(4))
    )
    assert sorted(answer.status for answer in answers) == [200, 200, 200, 201]
    assert len({(await answer.json())["broadcast"] for answer in answers}) == 1
    assert await Notice.filter(kind="mass_text").count() == 1


async def test_a_key_is_an_officials_own(
    client: TestClient,
    official: str,
) -> None:
    await district_resident(client, "o-heping", "11010519491231002X", "1")
    await district_resident(client, "o-hedong", "110105195001010012", "2")
    _staff, other = await add_staff("官员丙", "official")
    assert (await send_once(client, official, {"text": NOTICE}, "k1")).status == 201
    assert (await send_once(client, other, {"text": NOTICE}, "k1")).status == 201
    assert await Notice.filter(kind="mass_text").count() == 2


@pytest.mark.parametrize(
    ("body", "key", "status", "code"),
    [
        ({"text": "另一条通知"}, "k1", 409, "broadcasts.request_key_reused"),
        ({"text": NOTICE, "districts": [HEPING]}, "k1", 409, "broadcasts.request_key_reused"),
        ({"text": NOTICE}, "x" * 65, 422, "api.request_key"),
        ({"text": NOTICE}, "   ", 422, "api.request_key"),
    ],
)
async def test_a_key_reused_or_malformed_is_refused(
    client: TestClient,
    official: str,
    body: dict,
    key: str,
    status: int,
    code: str,
) -> None:
    await district_resident(client, "o-heping", "11010519491231002X", "1")
    await district_resident(client, "o-hedong", "110105195001010012", "2")
    assert (await send_once(client, official, {"text": NOTICE}, "k1")).status == 201
    response = await send_once(client, official, body, key)
    assert response.status == status, await response.text()
    assert (await response.json())["error"]["code"] == code
    assert await Notice.filter(kind="mass_text").count() == 1
