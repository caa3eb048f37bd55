"""申诉 in the chat, and officials listing and answering appeals over the JSON API."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import CODEC
from bot.services.access.staff import add_staff
from bot.services.appeals.filing import file_appeal
from bot.services.errors import ServiceError
from bot.services.runtime import Runtime
from models.appeal import Appeal, CodeOverride
from models.audit import AuditEntry
from models.code import CodeChange, HealthCode
from models.dialogue import DialogueState
from models.outbox import Notice
from models.person import Account, Person
from tests.support.chat import COMPLAINT, appeal, orange_resident, red_resident, reply_of
from tests.support.clock import FakeClock
from tests.support.family import add_family, registered
from tests.support.ids import CHILD, VALID_ID
from tests.support.staff import bearer
from tests.support.wechat_user import WeChatUser

STAYED = ["1", "1", "1", "1"]  # district 1, stayed, no symptoms, no contact


async def resolve(client: TestClient, token: str, appeal_id: int | str, body: dict):
    return await client.post(
        f"/api/admin/appeals/{appeal_id}/resolve", json=body, headers=bearer(token)
    )


# --- the dialogue -------------------------------------------------------------------------------


async def test_an_appeal_is_filed_in_the_chat(client: TestClient, runtime: Runtime) -> None:
    user = await orange_resident(client, runtime)
    prompt = await user.say("申诉")
    assert "张*（本人）" in prompt and "橙码" in prompt
    summary = await user.say(COMPLAINT)
    assert COMPLAINT in summary and "1 确认提交" in summary
    done = await user.say("1")
    row = await Appeal.get()
    assert f"申诉已提交（编号 {row.id}）" in done and "88908890" in done
    person = await Person.get()
    account = await Account.get(openid="o-wuhan")
    assert (row.person_id, row.account_id, row.status) == (person.id, account.id, "open")
    # sealed at rest: the resident's words are not in the row
    assert "武汉" not in row.text_sealed and runtime.sealer.open(row.text_sealed, "appeal.text")
    assert await AuditEntry.filter(action="appeal.file", target=f"appeal:{row.id}").exists()
    assert not await DialogueState.exists()


async def test_a_second_open_appeal_is_refused(client: TestClient, runtime: Runtime) -> None:
    user = await orange_resident(client, runtime)
    await appeal(user)
    refused = await user.say("申诉")
    assert "已有一条申诉正在处理" in refused
    assert not await DialogueState.exists()
    assert await Appeal.all().count() == 1


async def test_appeal_by_the_menu_key_and_in_english(client: TestClient, runtime: Runtime) -> None:
    user = await orange_resident(client, runtime)
    await user.say("English")
    prompt = await user.click("APPEAL")
    assert "You are appealing for" in prompt and "Orange" in prompt
    summary = await user.say("I finished my quarantine.")
    assert "1 Submit" in summary
    assert "Your appeal was filed" in await user.say("1")


async def test_without_a_code_there_is_nothing_to_appeal(client: TestClient) -> None:
    user = WeChatUser(client, client.app[CODEC], "o-nobody")
    reply = await user.say("申诉")
    assert "还没有健康码" in reply
    assert not await DialogueState.exists()


async def test_rewrite_cancel_and_a_too_long_text(client: TestClient, runtime: Runtime) -> None:
    user = await orange_resident(client, runtime)
    await user.say("申诉")
    assert "最多 500 个字" in await user.say("长" * 501)
    await user.say("第一次写的")
    again = await user.say("2")
    assert "重新填写" in again and "请用一条消息说明" in again
    summary = await user.say("第二次写的")
    assert "第二次写的" in summary and "第一次写的" not in summary
    assert "已取消" in await user.say("0")
    assert not await Appeal.exists()
    assert "请用一条消息说明" in await user.say("申诉")  # nothing open: may start again


async def test_an_appeal_for_the_family_member_switched_to(
    client: TestClient, runtime: Runtime
) -> None:
    parent = await registered(client, "o-parent")
    await add_family(parent, "3", "张小宝", CHILD)
    await parent.say("切换")
    await parent.say("1")
    assert "张*宝（子女）" in await parent.say("申诉")
    await parent.say("孩子一直在家")
    await parent.say("1")
    child = await Person.get(doc_type="resident_id", id__not=(await Account.get()).person_id)
    assert (await Appeal.get()).person_id == child.id
    # one open appeal per person, not per account: the parent may still appeal for themself
    await parent.say("切换")
    await parent.say("0")
    await appeal(parent, "我本人也有疑问")
    assert await Appeal.all().count() == 2


async def test_help_lists_the_appeal(client: TestClient) -> None:
    user = WeChatUser(client, client.app[CODEC], "o-help")
    assert "申诉 — " in await user.say("帮助")
    await user.say("English")
    assert "appeal — " in await user.say("help")


# --- officials: authentication ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/admin/appeals?status=open"),
        ("POST", "/api/admin/appeals/1/resolve"),
    ],
)
async def test_officials_only(client: TestClient, checkpoint: str, method: str, path: str) -> None:
    body = {"decision": "reject", "reply": "x"}
    missing = await client.request(method, path, json=body)
    assert missing.status == 401
    assert (await missing.json())["error"]["code"] == "auth.missing"
    wrong = await client.request(method, path, json=body, headers=bearer("hc_of_nonsense"))
    assert wrong.status == 401
    staff = await client.request(method, path, json=body, headers=bearer(checkpoint))
    assert staff.status == 403
    assert (await staff.json())["error"]["code"] == "auth.wrong_role"


# --- officials: the list ----------------------------------------------------------------------


async def test_open_appeals_are_listed_masked(
    client: TestClient, runtime: Runtime, official: str
) -> None:
    user = await orange_resident(client, runtime)
    await appeal(user)
    response = await client.get("/api/admin/appeals?status=open", headers=bearer(official))
    assert response.status == 200
    raw = await response.text()
    assert VALID_ID not in raw and "张三" not in raw and "13812345678" not in raw
    body = await response.json()
    assert body["count"] == 1
    (item,) = body["appeals"]
    assert item["name"] == "张*" and item["document"] == "1101**********002X"
    assert item["text"] == COMPLAINT and item["color"] == "orange" and item["reasons"]
    assert item["district"] == 120101 and item["district_name"] == "和平区"
    assert item["status"] == "open" and item["filed_for_family"] is False
    english = {**bearer(official), "Accept-Language": "en"}
    (item,) = (await (await client.get("/api/admin/appeals", headers=english)).json())["appeals"]
    assert "Wuhan" in " ".join(item["reasons"]) or "Hubei" in " ".join(item["reasons"])
    resolved = await client.get("/api/admin/appeals?status=resolved", headers=bearer(official))
    assert (await resolved.json())["count"] == 0


@pytest.mark.parametrize("query", ["status=closed", "limit=0", "limit=abc", "limit=1000", "limit="])
async def test_a_bad_list_query_is_refused(client: TestClient, official: str, query: str) -> None:
    response = await client.get(f"/api/admin/appeals?{query}", headers=bearer(official))
    assert response.status == 422
    assert (await response.json())["error"]["field"] in ("status", "limit")


# --- officials: the answer --------------------------------------------------------------------


async def test_accept_with_a_colour_until_a_day(
    client: TestClient, runtime: Runtime, clock: FakeClock, official: str
) -> None:
    user = await orange_resident(client, runtime)
    await appeal(user)
    row = await Appeal.get()
    until_day = (clock.moment + timedelta(days=3)).astimezone(runtime.ruleset.tz).date()
    reply = "经社区核实，您已解除隔离。"
    response = await resolve(
        client,
        official,
        row.id,
        {"decision": "accept", "color": "green", "until": until_day.isoformat(), "reply": reply},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["color"] == "green" and body["previous"] == "orange" and body["notified"]
    person = await Person.get()
    code = await HealthCode.get(person_id=person.id)
    assert code.color == "green" and any(r["rule_id"] == "override" for r in code.reasons)
    override = await CodeOverride.get()
    assert override.appeal_id == row.id and override.color == "green"
    assert override.until.astimezone(runtime.ruleset.tz).date() == until_day + timedelta(days=1)
    change = await CodeChange.filter(cause="appeal").get()
    assert (change.old_color, change.new_color) == ("orange", "green")
    account = await Account.get(openid="o-wuhan")
    notice, text = await reply_of(runtime, row.id)
    assert notice.account_id == account.id
    assert reply in text and "已受理" in text
    assert await Notice.filter(kind="code_changed", account_id=account.id).exists()
    row = await Appeal.get()
    assert (row.status, row.decision) == ("resolved", "accept") and row.resolved_by_id
    assert "社区" not in row.reply_sealed
    assert runtime.sealer.open(row.reply_sealed, "appeal.reply") == reply
    audit = await AuditEntry.get(action="appeal.resolve")
    assert audit.target == f"appeal:{row.id}" and audit.staff_id == row.resolved_by_id
    assert audit.before["color"] == "orange" and audit.after["color"] == "green"
    assert audit.after["override"]["color"] == "green" and reply not in str(audit.after)
    # the resident sees it
    assert "绿码" in await user.say("亮码")


async def test_the_override_ends_when_it_says(
    client: TestClient, runtime: Runtime, clock: FakeClock, official: str
) -> None:
    user = await orange_resident(client, runtime)
    await appeal(user)
    until = (clock.moment + timedelta(hours=5)).isoformat()
    body = {"decision": "accept", "color": "green", "until": until, "reply": "临时调整"}
    assert (await resolve(client, official, (await Appeal.get()).id, body)).status == 200
    code = await HealthCode.get()
    assert code.color == "green" and code.valid_until == clock.moment + timedelta(hours=5)


async def test_accept_without_a_colour_re_decides(
    client: TestClient, runtime: Runtime, official: str
) -> None:
    user = await orange_resident(client, runtime)
    await appeal(user)
    row = await Appeal.get()
    response = await resolve(client, official, row.id, {"decision": "accept", "reply": "已复核"})
    assert response.status == 200
    assert (await response.json())["color"] == "orange"
    assert not await CodeOverride.exists()
    assert await Notice.exists(dedupe_key=f"appeal:{row.id}:reply")


async def test_reject_replies_and_changes_nothing(
    client: TestClient, runtime: Runtime, official: str
) -> None:
    user = await orange_resident(client, runtime)
    await appeal(user)
    row = await Appeal.get()
    response = await resolve(
        client, official, row.id, {"decision": "reject", "reply": "武汉返津人员需居家观察14天。"}
    )
    assert response.status == 200
    assert (await response.json())["color"] == "orange"
    assert (await HealthCode.get()).color == "orange" and not await CodeOverride.exists()
    _notice, text = await reply_of(runtime, row.id)
    assert "未予调整" in text and "居家观察14天" in text
    listed = await client.get("/api/admin/appeals?status=resolved", headers=bearer(official))
    (item,) = (await listed.json())["appeals"]
    assert item["decision"] == "reject" and item["resolved_by"] == "官员乙"
    assert item["reply"] == "武汉返津人员需居家观察14天。"
    # answered: a new appeal may be filed, and the chat shows the answer again (a notice can
    # miss its reader outside the platform's 48-hour window)
    prompt = await user.say("申诉")
    assert "请用一条消息说明" in prompt
    assert "您上一条申诉" in prompt and "未予调整" in prompt and "居家观察14天" in prompt


async def test_resolving_twice_is_a_conflict(
    client: TestClient, runtime: Runtime, official: str
) -> None:
    user = await orange_resident(client, runtime)
    await appeal(user)
    row = await Appeal.get()
    assert (await resolve(client, official, row.id, {"decision": "reject", "reply": "a"})).status
    again = await resolve(client, official, row.id, {"decision": "accept", "reply": "b"})
    assert again.status == 409
    assert (await again.json())["error"]["code"] == "appeals.already_resolved"
    assert await Notice.filter(dedupe_key__startswith=f"appeal:{row.id}").count() == 1
    assert await AuditEntry.filter(action="appeal.resolve").count() == 1


@pytest.mark.parametrize("appeal_id", ["999", "abc", "-1", "1" * 20])
async def test_an_unknown_appeal_is_not_found(
    client: TestClient, official: str, appeal_id: str
) -> None:
    response = await resolve(client, official, appeal_id, {"decision": "reject", "reply": "x"})
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "appeals.not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reply": "x"}, "decision"),
        ({"decision": "maybe", "reply": "x"}, "decision"),
        ({"decision": "accept"}, "reply"),
        ({"decision": "accept", "reply": "   "}, "reply"),
        ({"decision": "accept", "reply": 5}, "reply"),
        ({"decision": "accept", "reply": "x" * 501}, "reply"),
        ({"decision": "reject", "reply": "x", "color": "green"}, "color"),
        ({"decision": "accept", "reply": "x", "color": "green"}, "until"),
        ({"decision": "accept", "reply": "x", "until": "2099-01-01"}, "color"),
        ({"decision": "accept", "reply": "x", "color": "blue", "until": "2099-01-01"}, "color"),
        ({"decision": "accept", "reply": "x", "color": "green", "until": "soon"}, "until"),
        ({"decision": "accept", "reply": "x", "color": "green", "until": 5}, "until"),
        ({"decision": "accept", "reply": "x", "color": "green", "until": "2000-01-01"}, "until"),
        ({"decision": "accept", "reply": "x", "color": "green", "until": "2099-01-01"}, "until"),
    ],
)
async def test_a_bad_answer_is_refused_and_changes_nothing(
    client: TestClient, runtime: Runtime, official: str, body: dict, field: str
) -> None:
    user = await orange_resident(client, runtime)
    await appeal(user)
    row = await Appeal.get()
    response = await resolve(client, official, row.id, body)
    assert response.status == 422, await response.text()
    assert (await response.json())["error"]["field"] == field
    assert (await Appeal.get()).status == "open"


async def test_a_body_that_is_not_json_is_refused(client: TestClient, official: str) -> None:
    response = await client.post(
        "/api/admin/appeals/1/resolve", data="decision=accept", headers=bearer(official)
    )
    assert response.status == 400  # the project's answer to a body that is not JSON
    assert (await response.json())["error"]["code"] == "api.not_json"


async def test_an_override_cannot_lower_red(client: TestClient, official: str, clock) -> None:
    user = await red_resident(client)
    await appeal(user, "我没有接触过病例，是填错了。")
    row = await Appeal.get()
    until = (clock.moment + timedelta(days=2)).isoformat()
    body = {"decision": "accept", "color": "green", "until": until, "reply": "已核实"}
    response = await resolve(client, official, row.id, body)
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "appeals.red_stays"
    # nothing of it was written
    assert (await Appeal.get()).status == "open"
    assert not await CodeOverride.exists() and not await Notice.filter(kind="appeal_reply").exists()
    assert (await HealthCode.get()).color == "red"
    assert not await AuditEntry.filter(action="appeal.resolve").exists()


async def test_the_reply_frame_is_in_the_residents_language(
    client: TestClient, runtime: Runtime, official: str
) -> None:
    user = await orange_resident(client, runtime)
    await user.say("English")
    await appeal(user, "I finished my quarantine.")
    row = await Appeal.get()
    await resolve(client, official, row.id, {"decision": "reject", "reply": "请继续居家观察。"})
    _notice, text = await reply_of(runtime, row.id)
    assert text.startswith("[Appeal answered]") and "请继续居家观察。" in text


async def test_the_reply_to_a_family_appeal_reaches_the_filing_account(
    client: TestClient, runtime: Runtime, official: str
) -> None:
    parent = await registered(client, "o-parent")
    await add_family(parent, "3", "张小宝", CHILD)
    await parent.say("切换")
    await parent.say("1")
    await appeal(parent, "孩子一直在家")
    listed = await client.get("/api/admin/appeals", headers=bearer(official))
    (item,) = (await listed.json())["appeals"]
    assert item["filed_for_family"] is True and item["name"] == "张*宝"
    await resolve(client, official, item["id"], {"decision": "accept", "reply": "已复核"})
    notice, text = await reply_of(runtime, item["id"])
    assert notice.account_id == (await Account.get(openid="o-parent")).id
    assert "张*宝" in text


# --- races ------------------------------------------------------------------------------------


async def test_two_officials_answering_at_once_one_wins(
    client: TestClient, runtime: Runtime, official: str
) -> None:
    user = await orange_resident(client, runtime)
    await appeal(user)
    row = await Appeal.get()
    _staff, other = await add_staff("官员丙", "official")
    answers = await asyncio.gather(
        resolve(client, official, row.id, {"decision": "reject", "reply": "甲的答复"}),
        resolve(client, other, row.id, {"decision": "accept", "reply": "乙的答复"}),
    )
    assert sorted(r.status for r in answers) == [200, 409]
    assert await Notice.filter(dedupe_key=f"appeal:{row.id}:reply").count() == 1
    assert await AuditEntry.filter(action="appeal.resolve").count() == 1


async def test_two_filings_at_once_leave_one_open_appeal(
    client: TestClient, runtime: Runtime
) -> None:
    await orange_resident(client, runtime)
    account = await Account.get(openid="o-wuhan")
    results = await asyncio.gather(
        file_appeal(runtime, account.id, None, "第一条"),
        file_appeal(runtime, account.id, None, "第二条"),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(refused) == 1 and refused[0].code == "appeals.already_open"
    assert await Appeal.filter(status="open").count() == 1
