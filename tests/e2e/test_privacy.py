"""No name, document number or phone number in clear anywhere but in front of its person.

The whole service is run once with every logger at DEBUG (the ORM's SQL and its parameters,
aiohttp, wechatpy): declarations in the chat and the mini-program, for oneself and family
members, a foreign passport and an international phone, appeals and their answers, a checkpoint
scan, an authority's feed naming registered and unregistered people, a broadcast, a tier change,
the console, the outbox sent to (fake) WeChat, and 注销. Then every log record, every row of
every table and every call made to WeChat are searched for each value the residents gave.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import CODEC, GATEWAY, RUNTIME
from bot.services.access.staff import add_staff
from bot.wechat.sender import drain_outbox
from tests.fakes.wechat_api import FakeWeChat
from tests.support.chat import declare
from tests.support.console import dashboard, sign_in
from tests.support.family import HEALTHY, add_family
from tests.support.ids import AUNT, CHILD, FATHER, MOTHER, VALID_ID
from tests.support.miniapp import MiniappUser, declaration, member
from tests.support.rows import raw_rows, table_names
from tests.support.wechat_user import WeChatUser

# (name, document, phone) of everyone the flow registers or names
PEOPLE = [
    ("欧阳娜娜", VALID_ID, "13812345678"),  # the chat's resident
    ("欧阳小宝", CHILD, "15011112222"),  # her child, with a phone of its own
    ("Maria Schmidt", "C01X00T47", "+4915112345678"),  # the mini-program's, a passport
    ("司马光明", MOTHER, None),  # Maria's family member, no phone
    ("诸葛亮亮", AUNT, "13698765432"),  # registers in the chat, then erases herself
    (None, FATHER, None),  # only the authority's feed names him
]


def needles() -> list[str]:
    """Every value as given, and its other spellings (a document's x, a phone's digits)."""
    found = []
    for name, document, phone in PEOPLE:
        found += [value for value in (name, document, document.lower(), phone) if value]
        if phone and phone.startswith("+"):
            found.append(phone[1:])
    return found


async def test_no_name_document_or_phone_is_logged_stored_or_sent_in_clear(
    client: TestClient, fake_wechat: FakeWeChat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rt, codec = client.app[RUNTIME], client.app[CODEC]
    _staff, official = await add_staff("官员", "official")
    _staff, checkpoint = await add_staff("检查员", "checkpoint")
    staff_headers = {"Authorization": f"Bearer {official}"}

    # the chat: a declaration, a family member, the code, an appeal
    chat = WeChatUser(client, codec, "o-privacy-chat")
    name, document, phone = PEOPLE[0]
    assert "申报已提交" in await declare(chat, [name, "1", document, phone, *HEALTHY])
    child_name, child_doc, child_phone = PEOPLE[1]
    await add_family(chat, "3", child_name, child_doc, phone=child_phone)
    await chat.say("亮码")
    await chat.say("申诉")
    await chat.say("我没有去过武汉")
    assert "已提交" in await chat.say("1")

    # the mini-program: a passport with an international phone, and a family member
    app = MiniappUser(client, fake_wechat, "o-privacy-app")
    await app.login()
    name, document, phone = PEOPLE[2]
    own = await app.declare(
        declaration(name=name, doc_type="passport", doc_number=document, phone=phone)
    )
    name, document, _ = PEOPLE[3]
    relative = await app.declare(member(name, document, relation="parent"))
    await app.appeal({"person_id": relative["person_id"], "text": "家里没有人发热"})
    await app.code(relative["person_id"])

    # a checkpoint scans; an authority names the child and someone not registered
    scan = await client.post(
        "/api/checkpoint/scan",
        json={"token": own["token"], "temperature": 36.4, "place": "东门"},
        headers={"Authorization": f"Bearer {checkpoint}"},
    )
    assert scan.status == 200
    records = [
        {"record_id": "r1", "doc_type": "resident_id", "doc_number": child_doc,
         "status": "close_contact", "since": "2020-01-01", "until": "2020-01-15"},
        {"record_id": "r2", "doc_type": "resident_id", "doc_number": FATHER.lower(),
         "status": "confirmed", "since": "2020-01-01"},
        {"record_id": "r3", "doc_type": "resident_id", "doc_number": child_doc[:-1] + "0",
         "status": "confirmed", "since": "2020-01-01"},  # a wrong checksum: rejected, named
    ]  # fmt: skip
    feed = await client.post(
        "/api/admin/feeds", json={"source": "cdc", "records": records}, headers=staff_headers
    )
    assert feed.status == 200, await feed.text()

    # officials answer, broadcast, change a tier, read the console
    listed = await (await client.get("/api/admin/appeals", headers=staff_headers)).json()
    for appeal in listed["appeals"]:
        answer = {"decision": "reject", "reply": "经核实维持原判"}
        path = f"/api/admin/appeals/{appeal['id']}/resolve"
        assert (await client.post(path, json=answer, headers=staff_headers)).status == 200
    broadcast = await client.post(
        "/api/admin/broadcasts", json={"text": "请按时申报"}, headers=staff_headers
    )
    assert broadcast.status == 201
    tier = {"tier": "high", "note": "新增病例"}
    put = await client.put("/api/admin/districts/120101/tier", json=tier, headers=staff_headers)
    assert put.status == 200
    assert (await sign_in(client, official)).status == 303
    await dashboard(client)
    ticket = urlsplit(own["page_url"]).path.split("/")[2]
    assert (await client.get(f"/c/{ticket}")).status == 200

    # someone registers in the chat and erases herself; the outbox goes out to WeChat
    leaving = WeChatUser(client, codec, "o-privacy-leaving")
    name, document, phone = PEOPLE[4]
    await declare(leaving, [name, "1", document, phone, *HEALTHY])
    await leaving.say("注销")
    await leaving.say("1")
    assert (await drain_outbox(rt, client.app[GATEWAY])).sent > 0

    logged = "\n".join(_record_text(record) for record in caplog.records)
    assert len(caplog.records) > 500  # DEBUG really was on: the ORM's every query is there
    stored = {table: repr(await raw_rows(table)) for table in await table_names()}
    sent = repr([call.as_json() for call in fake_wechat.calls])

    for needle in needles():
        assert needle not in logged, f"{needle!r} logged: {_around(logged, needle)}"
        for table, rows in stored.items():
            assert needle not in rows, f"{needle!r} stored in {table}: {_around(rows, needle)}"
        assert needle not in sent, f"{needle!r} sent to WeChat: {_around(sent, needle)}"


def _record_text(record: logging.LogRecord) -> str:
    parts: list[Any] = [record.getMessage(), repr(record.args)]
    if record.exc_text:
        parts.append(record.exc_text)
    return " ".join(str(part) for part in parts)


def _around(text: str, needle: str) -> str:
    at = text.index(needle)
    return text[max(0, at - 150) : at + len(needle) + 150]
