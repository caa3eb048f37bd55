"""注销 (docs/architecture.md): a resident deletes their account and records through the chat; what
the region's law keeps stays only as long as it must, reachable by nobody."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from bot.app_state import RUNTIME
from bot.services.access.staff import add_staff
from bot.services.housekeeping.retention import delete_expired_records
from models.appeal import Appeal
from models.audit import AuditEntry
from models.authority import AuthorityRecord
from models.code import CodeChange, HealthCode
from models.declaration import Declaration
from models.dialogue import DialogueState
from models.person import Account, Guardianship, Person
from models.staff import ScanLog
from tests.fakes.wechat_api import FakeWeChat
from tests.support.chat import GREEN_ANSWERS, appeal, declare, erase
from tests.support.clock import FakeClock
from tests.support.family import add_family, registered
from tests.support.feeds import post_feed, record
from tests.support.ids import AUNT, CHILD, MOTHER, VALID_ID
from tests.support.miniapp import MiniappUser, declaration
from tests.support.scans import LINK, post_scan, qr_token
from tests.support.transfers import issue_in_chat, redeem_in_chat
from tests.support.wechat_user import WeChatUser


async def test_a_resident_erases_their_account_and_what_the_law_keeps_waits(
    client: TestClient, resident: WeChatUser, clock: FakeClock
) -> None:
    reply = await declare(resident, GREEN_ANSWERS)
    ticket = LINK.search(reply)[1]
    token = await qr_token(client, ticket)
    _staff, worker = await add_staff("检查员甲", "checkpoint")
    assert (await (await post_scan(client, worker, {"token": token})).json())["verdict"] == "pass"
    await appeal(resident, "我的信息填错了")
    person = await Person.get()

    prompt = await resident.say("注销")
    assert "本账号、您的健康码及变更记录、申诉、代办关系和最近位置" in prompt
    assert "最近 28 天的健康申报和扫码记录须保留" in prompt and "家人" not in prompt
    done = await resident.say("1")
    kept_until = (clock() + timedelta(days=28)).astimezone(client.app[RUNTIME].ruleset.tz).date()
    assert done == (
        "已注销，您的账号和个人信息已删除。按规定保留的申报和扫码记录保留至 "
        f"{kept_until.isoformat()}，之后自动删除。感谢您的使用。"
    )

    # gone at once
    assert not await Account.filter(openid=resident.openid).exists()
    assert not await HealthCode.exists() and not await CodeChange.exists()
    assert not await Appeal.exists() and not await DialogueState.exists()
    # kept for the law, and found by nobody: not by document, not by district
    tombstone = await Person.get(id=person.id)
    assert tombstone.erased_at == clock() and tombstone.doc_lookup.startswith("erased:")
    assert tombstone.district_id is None
    assert await Declaration.filter(person_id=person.id).count() == 1
    assert await ScanLog.filter(person_id=person.id).count() == 1
    # the QR already on a screen, and the page link, stop working
    scanned = await (await post_scan(client, worker, {"token": token})).json()
    assert scanned["verdict"] == "invalid" and scanned["name"] is None
    assert (await client.get(f"/c/{ticket}")).status == 404
    # the audit names no one
    entry = await AuditEntry.get(action="account.erase")
    assert entry.before == {"people": [person.public_id]}
    assert entry.after == {"kept_until": kept_until.isoformat()}

    # the same follower writes again: a stranger, who may apply anew
    assert "还没有健康码" in await resident.say("亮码")
    again = await declare(resident, GREEN_ANSWERS)
    assert "绿码" in again
    fresh = await Person.get(erased_at__isnull=True)
    assert fresh.id != person.id and await HealthCode.filter(person_id=fresh.id).exists()

    # the daily retention job keeps them while the law does
    assert (await delete_expired_records(client.app[RUNTIME])).erased_people == 0
    assert await Person.filter(id=person.id).exists()
    # when the retention days are over, the kept records and the row itself go
    clock.advance(days=29)
    await Declaration.filter(person_id=fresh.id).update(declared_at=clock())  # still current
    done_now = await delete_expired_records(client.app[RUNTIME])
    assert done_now.erased_people == 1
    assert not await Person.filter(id=person.id).exists()
    assert await Declaration.filter(person_id=person.id).count() == 0
    assert await Person.filter(id=fresh.id).exists()


async def test_cancelling_erases_nothing(client: TestClient, resident: WeChatUser) -> None:
    await declare(resident, GREEN_ANSWERS)
    await resident.say("注销")
    assert "已取消" in await resident.say("0")
    assert await Account.exists(openid=resident.openid) and await HealthCode.exists()
    await resident.say("注销")
    assert "1 确认注销" in await resident.say("2")  # not a choice: asked again
    assert await HealthCode.exists()


async def test_nothing_kept_means_nothing_left(
    client: TestClient, resident: WeChatUser, clock: FakeClock
) -> None:
    await declare(resident, GREEN_ANSWERS)
    await Declaration.all().update(declared_at=clock() - timedelta(days=40))
    assert await erase(resident) == "已注销，您的账号和个人信息已删除。感谢您的使用。"
    assert not await Person.exists() and not await Declaration.exists()


async def test_an_account_that_never_declared_is_erased_too(resident: WeChatUser) -> None:
    await resident.location(39.12, 117.20)
    assert await erase(resident) == "已注销，您的账号和个人信息已删除。感谢您的使用。"
    assert not await Account.exists()


async def test_family_only_this_account_reaches_is_erased_with_it(client: TestClient) -> None:
    parent = await registered(client, "o-parent")
    await add_family(parent, "3", "张小宝", CHILD)
    await add_family(parent, "2", "王秀英", MOTHER)
    aunt = await registered(client, "o-aunt", name="李四", doc=AUNT, phone="13900001111")
    code = await issue_in_chat(parent, "2", "2")  # the grandmother; add a guardian
    await redeem_in_chat(aunt, code, "2")  # the grandmother has a second helper
    own = (await Account.get(openid="o-parent")).person_id
    members = set(await Guardianship.filter(actor_id=own).values_list("member_id", flat=True))
    prompt = await parent.say("注销")
    assert "以及只由您代办的 1 位家人的信息" in prompt
    await parent.say("1")
    live = await Person.filter(id__in=members | {own}, erased_at__isnull=True)
    assert len(live) == 1  # the grandmother, whom the aunt still acts for
    assert await HealthCode.filter(person_id=live[0].id).exists()
    assert await Guardianship.all().count() == 1
    menu = await aunt.say("切换")
    assert "王*英" in menu and "张*宝" not in menu


async def test_the_mini_program_and_the_authorities_lose_the_link(
    client: TestClient, resident: WeChatUser, fake_wechat: FakeWeChat
) -> None:
    await declare(resident, GREEN_ANSWERS)
    mini = MiniappUser(client, fake_wechat, "mini-1")
    await mini.login()
    await mini.declare(declaration())  # the same name, document and phone: the same person
    _staff, token = await add_staff("官员乙", "official")
    headers = {"Authorization": f"Bearer {token}"}
    status, _body = await post_feed(client, headers, record("r1", VALID_ID, "close_contact"))
    assert status == 200 and (await HealthCode.get()).color == "red"

    await erase(resident)
    me = await mini.me()
    assert me["person"] is None and me["family"] == [] and me["current_person_id"] is None
    assert (await AuthorityRecord.get()).person_id is None  # the authority's own, kept
    # a tier change over the district the erased person declared in decides nothing for them
    response = await client.put(
        "/api/admin/districts/120101/tier", json={"tier": "high", "note": "测试"}, headers=headers
    )
    assert response.status == 200, await response.text()
    assert not await HealthCode.exists()
    # registering anew, the authority's record applies at once
    await mini.declare(declaration())
    assert (await mini.code())["color"] == "red"


async def test_a_mini_program_resident_erases_from_the_mini_program(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    mini = MiniappUser(client, fake_wechat, "mini-only")
    await mini.login()
    await mini.declare(declaration())
    status, answer = await mini.call("DELETE", "/me")
    assert status == 200 and answer["erased_people"] == 1 and answer["kept_until"]
    assert not await Account.exists() and not await HealthCode.exists()
    status, answer = await mini.call("GET", "/me")  # the session died with the account
    assert status == 401 and answer["error"]["code"] == "miniapp.token_invalid"
    await mini.login()  # the same WeChat user may come back as a stranger
    assert (await mini.me())["person"] is None
