"""The paper code (FAQ 18, docs/paper-code.md), through the real app: printed from the chat or
the mini-program, its sheet's QR decoded back to the token and scanned at the checkpoint,
turning red live, revoked by a reprint, by 注销 and by the end of the family link."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import CODEC, RUNTIME
from bot.health.tokens import ReferenceNotAllowed, issue_reference_token, verify_token
from bot.services.runtime import Runtime
from models.audit import AuditEntry
from models.paper import PrintedCode
from models.person import Person
from tests.fakes.wechat_api import FakeWeChat
from tests.support.chat import GREEN_ANSWERS, MASKED_NAME, RED_ANSWERS, declare, erase
from tests.support.clock import FakeClock
from tests.support.family import add_family, registered
from tests.support.ids import MOTHER
from tests.support.miniapp import MiniappUser, declaration, member, refusal
from tests.support.qr import decode_qr
from tests.support.scans import LINK, scan_ok
from tests.support.wechat_user import WeChatUser

SHEET = re.compile(r"/p/([A-Za-z0-9_-]+)")
REVOKED = (
    "纸质码已作废（已重新打印、已注销或代办关系已解除），请持码人使用新打印的纸质码或出示健康码。"
)


async def print_in_chat(user: WeChatUser, word: str = "打印码") -> tuple[str, str]:
    """``打印码``: the reply and the ticket of the sheet it links to."""
    reply = await user.say(word)
    match = SHEET.search(reply)
    assert match, reply
    return reply, match[1]


async def paper_token(client: TestClient, ticket: str) -> str:
    """What a checkpoint's scanner reads off the printed sheet's QR."""
    response = await client.get(f"/p/{ticket}/qr.png")
    assert response.status == 200 and response.content_type == "image/png"
    return decode_qr(await response.read())


async def scan(client: TestClient, checkpoint: str, token: str) -> dict[str, Any]:
    return await scan_ok(client, checkpoint, token=token)


async def test_a_paper_code_is_printed_scanned_and_turns_red_live(
    client: TestClient, resident: WeChatUser, checkpoint: str, clock: FakeClock, runtime: Runtime
) -> None:
    await declare(resident, GREEN_ANSWERS)
    reply, ticket = await print_in_chat(resident)
    assert "已为 张* 生成纸质健康码" in reply and "A6" in reply and "此前" not in reply

    sheet = await client.get(f"/p/{ticket}")
    assert sheet.status == 200 and sheet.content_type == "text/html"
    html = await sheet.text()
    assert "@page { size: A6 portrait;" in html and "width: 60mm;" in html
    assert "扫码以实时状态为准" in html and MASKED_NAME in html and "张三" not in html
    printed_on = clock().astimezone(runtime.ruleset.tz).strftime("%Y-%m-%d")
    assert printed_on in html
    assert sheet.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in sheet.headers["Content-Security-Policy"]
    assert sheet.headers["Cache-Control"] == "no-store"

    token = await paper_token(client, ticket)
    with pytest.raises(ReferenceNotAllowed):  # no colour in it, and not a live token
        verify_token(runtime.keyring, token, now=clock())
    row = await PrintedCode.get()
    assert row.revoked_at is None and row.issued_at == clock().replace(microsecond=0)

    clock.advance(days=90)  # a paper code does not expire
    seen = await scan(client, checkpoint, token)
    assert seen["verdict"] == "pass" and seen["color"] == "green"
    assert seen["name"] == MASKED_NAME and seen["expires_at"] is None
    assert seen["issued_at"] == row.issued_at.isoformat() and seen["reason"] is None
    assert seen["source"] == "live" and seen["issuer"] == {"adcode": 120000, "name": "天津市"}

    await declare(resident, RED_ANSWERS)  # the person's colour changes: the paper follows
    seen = await scan(client, checkpoint, token)
    assert seen["verdict"] == "deny" and seen["color"] == "red" and seen["reasons"]

    person = await Person.get()
    entry = await AuditEntry.get(action="paper.print")
    assert entry.target == f"person:{person.public_id}" and entry.after["printed"] == row.id


async def test_the_code_page_says_a_paper_code_exists_and_when_it_was_printed(
    client: TestClient, resident: WeChatUser, clock: FakeClock, runtime: Runtime
) -> None:
    reply = await declare(resident, GREEN_ANSWERS)
    page_ticket = LINK.search(reply)[1]
    assert "已打印纸质码" not in await (await client.get(f"/c/{page_ticket}")).text()
    await print_in_chat(resident)
    printed_on = clock().astimezone(runtime.ruleset.tz).strftime("%Y-%m-%d")
    html = await (await client.get(f"/c/{page_ticket}")).text()
    assert f"已打印纸质码（{printed_on} 打印）" in html


async def test_printing_again_revokes_the_previous_paper(
    client: TestClient, resident: WeChatUser, checkpoint: str, clock: FakeClock
) -> None:
    await declare(resident, GREEN_ANSWERS)
    _reply, first_ticket = await print_in_chat(resident)
    first = await paper_token(client, first_ticket)
    clock.advance(days=3)
    reply, second_ticket = await print_in_chat(resident)
    assert "此前打印的纸质码已作废" in reply
    second = await paper_token(client, second_ticket)
    assert second != first

    old = await scan(client, checkpoint, first)
    assert old == {
        "verdict": "invalid",
        "color": None,
        "name": None,
        "issued_at": None,
        "expires_at": None,
        "reasons": [REVOKED],
        "reason": "revoked",
        "issuer": None,
        "source": None,
    }
    assert (await scan(client, checkpoint, second))["verdict"] == "pass"
    # the old sheet's link says why it shows nothing
    gone = await client.get(f"/p/{first_ticket}")
    assert gone.status == 404 and "这张纸质码已作废" in await gone.text()
    assert (await client.get(f"/p/{first_ticket}/qr.png")).status == 404

    rows = await PrintedCode.all().order_by("id")
    assert [(r.revoked_at, r.revoked_cause) for r in rows] == [
        (clock().replace(microsecond=0), "reprint"),
        (None, None),
    ]
    revoked = await AuditEntry.get(action="paper.revoke")
    assert revoked.after == {"printed": rows[0].id, "cause": "reprint"}
    assert await AuditEntry.filter(action="paper.print").count() == 2


async def test_erasing_the_account_revokes_the_paper(
    client: TestClient, resident: WeChatUser, checkpoint: str
) -> None:
    await declare(resident, GREEN_ANSWERS)
    _reply, ticket = await print_in_chat(resident)
    token = await paper_token(client, ticket)
    assert (await scan(client, checkpoint, token))["verdict"] == "pass"  # a scan the law keeps
    await erase(resident)
    seen = await scan(client, checkpoint, token)
    assert seen["verdict"] == "invalid" and seen["reason"] == "revoked" and seen["name"] is None
    row = await PrintedCode.get()
    assert row.revoked_cause == "erasure" and row.revoked_at is not None
    entry = await AuditEntry.get(action="paper.revoke")
    assert entry.after == {"printed": row.id, "cause": "erasure"}
    assert (await client.get(f"/p/{ticket}")).status == 404


async def test_erasing_a_person_without_kept_records_takes_the_row_and_the_paper_is_revoked(
    client: TestClient, resident: WeChatUser, checkpoint: str, clock: FakeClock
) -> None:
    await declare(resident, GREEN_ANSWERS)
    _reply, ticket = await print_in_chat(resident)
    token = await paper_token(client, ticket)
    clock.advance(days=40)  # past retention: the erasure deletes the person outright
    await erase(resident)
    assert not await Person.exists() and not await PrintedCode.exists()
    seen = await scan(client, checkpoint, token)
    assert seen["verdict"] == "invalid" and seen["reason"] == "revoked"


async def test_a_guardian_prints_for_a_family_member_and_removing_the_link_revokes_it(
    client: TestClient, checkpoint: str
) -> None:
    parent = await registered(client, "o-paper-parent")
    await add_family(parent, "2", "李奶奶", MOTHER)
    await parent.say("切换")
    await parent.say("1")
    reply, ticket = await print_in_chat(parent)
    assert "已为 李*奶 生成纸质健康码" in reply
    token = await paper_token(client, ticket)
    seen = await scan(client, checkpoint, token)
    assert seen["verdict"] == "pass" and seen["name"] == "李*奶"

    await parent.say("解除代办")
    assert "已解除对 李*奶 的代办" in await parent.say("1")
    seen = await scan(client, checkpoint, token)
    assert seen["verdict"] == "invalid" and seen["reason"] == "revoked"


async def test_print_code_in_english(client: TestClient) -> None:
    user = await registered(client, "o-paper-en")
    await user.say("English")
    reply, ticket = await print_in_chat(user, "print code")
    assert "A paper health code for 张* is ready" in reply and "?lang=en" in reply
    html = await (await client.get(f"/p/{ticket}?lang=en")).text()
    assert "The live status shown at the scan is what counts" in html


async def test_print_code_before_any_declaration_says_how_to_get_a_code(
    client: TestClient,
) -> None:
    user = WeChatUser(client, client.app[CODEC], "o-paper-none")
    assert "回复“申领”" in await user.say("打印码")
    assert not await PrintedCode.exists()


async def test_the_mini_program_prints_for_its_own_people_only(
    client: TestClient, fake_wechat: FakeWeChat, checkpoint: str
) -> None:
    mine = MiniappUser(client, fake_wechat, "o-paper-mini")
    other = MiniappUser(client, fake_wechat, "o-paper-other")
    await mine.login()
    await other.login()
    own = await mine.declare(declaration())
    child = await mine.declare(member("张小宝", MOTHER, relation="parent"))
    stranger = await other.declare(declaration(name="李四", doc_number="110105196001010017"))

    status, printed = await mine.call("POST", "/printed-code", json={})
    assert status == 201 and printed["person_id"] == own["person_id"]
    assert printed["revoked_earlier"] == 0 and printed["page_url"].startswith(
        "http://testserver/p/"
    )
    status, for_child = await mine.call(
        "POST", "/printed-code", json={"person_id": child["person_id"]}
    )
    assert status == 201 and for_child["name"] == "张*宝"
    path = for_child["qr_url"].removeprefix("http://testserver")
    token = decode_qr(await (await client.get(path)).read())
    assert (await scan(client, checkpoint, token))["name"] == "张*宝"

    status, answer = await mine.call(
        "POST", "/printed-code", json={"person_id": stranger["person_id"]}
    )
    assert status == 404
    refusal(answer, "family.not_found")
    status, answer = await mine.call("POST", "/printed-code", json={"colour": "green"})
    assert status == 422
    refusal(answer, "miniapp.unknown_field", field="colour")
    assert await PrintedCode.all().count() == 2


async def test_another_regions_paper_code_is_refused_by_name(
    client: TestClient, checkpoint: str, clock: FakeClock
) -> None:
    rt = client.app[RUNTIME]
    foreign = issue_reference_token(rt.keyring, printed_id=bytes(16), region=110000, now=clock())
    seen = await scan(client, checkpoint, foreign)
    assert seen["verdict"] == "invalid" and seen["reason"] == "reference token"
    assert seen["reasons"] and "其他地区" in seen["reasons"][0]


async def test_a_forged_sheet_link_is_a_friendly_404(client: TestClient) -> None:
    response = await client.get("/p/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert response.status == 404 and response.content_type == "text/html"
    assert "链接无效" in await response.text()
