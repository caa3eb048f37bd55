"""One person, one code, whichever channel they use (docs/architecture.md, FAQ 13): a declaration in
the chat shows in the mini-program and the reverse; a mini-program account claims a chat person only
when name, document and phone all match; code changes are queued for mini-program accounts too."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from bot.app_state import CODEC, RUNTIME
from bot.health.tokens import verify_token
from bot.services.access.staff import add_staff
from bot.services.notices import delivery
from models.code import HealthCode
from models.declaration import Declaration
from models.outbox import Notice
from models.person import Account, Person
from tests.fakes.wechat_api import FakeWeChat
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.family import add_family
from tests.support.ids import CHILD, VALID_ID
from tests.support.miniapp import MiniappUser, declaration, refusal
from tests.support.qr import qr_codes
from tests.support.wechat_user import WeChatUser

FEVER_ANSWERS = [*GREEN_ANSWERS[:6], "2", "1"]
LINK = re.compile(r"/c/([A-Za-z0-9_-]+)")


async def chat_user(client: TestClient, openid: str = "o-chat-1") -> WeChatUser:
    return WeChatUser(client, client.app[CODEC], openid)


async def mini_user(client: TestClient, fake: FakeWeChat, openid: str = "mini-1") -> MiniappUser:
    user = MiniappUser(client, fake, openid)
    await user.login()
    return user


def code_id_of(client: TestClient, token: str) -> bytes:
    rt = client.app[RUNTIME]
    return verify_token(rt.keyring, token, now=rt.now()).code_id


async def chat_qr_token(client: TestClient, reply: str) -> str:
    """The token in the QR of the code page a chat reply links to."""
    ticket = LINK.search(reply)
    assert ticket, reply
    response = await client.get(f"/c/{ticket[1]}/qr.png")
    found = qr_codes(await response.read())
    return found[0].text


async def test_declared_in_the_chat_shown_in_the_mini_program(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    chat = await chat_user(client)
    reply = await declare(chat, FEVER_ANSWERS)
    assert "橙码" in reply
    chat_token = await chat_qr_token(client, reply)
    mini = await mini_user(client, fake_wechat)
    assert (await mini.me())["person"] is None
    refusal(await mini.code(status=404), "code.none_yet")
    # the same name, document and phone: the mini-program account claims the chat's person
    code = await mini.declare(declaration())
    person = await Person.get()
    assert code["person_id"] == person.public_id and await Person.all().count() == 1
    accounts = await Account.filter(person_id=person.id).values_list("channel", flat=True)
    assert sorted(accounts) == ["miniapp", "mp"]
    assert code_id_of(client, code["token"]) == code_id_of(client, chat_token)
    assert await HealthCode.all().count() == 1
    # the mini-program's declaration (no fever) is what the chat shows now
    assert "绿码" in await chat.say("亮码")
    assert (await mini.me())["person"]["color"] == "green"


async def test_declared_in_the_mini_program_shown_in_the_chat(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    mini = await mini_user(client, fake_wechat)
    first = await mini.declare(declaration())
    assert first["color"] == "green"
    chat = await chat_user(client)
    reply = await declare(chat, FEVER_ANSWERS)
    assert "橙码" in reply and await Person.all().count() == 1
    code = await mini.code()
    assert code["person_id"] == first["person_id"] and code["color"] == "orange"
    assert any("发热" in reason for reason in code["reasons"])
    assert code_id_of(client, code["token"]) == code_id_of(client, first["token"])
    assert code_id_of(client, await chat_qr_token(client, reply)) == code_id_of(
        client, code["token"]
    )


async def test_a_claim_needs_the_name_the_document_and_the_phone(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    chat = await chat_user(client)
    await declare(chat, GREEN_ANSWERS)
    mini = await mini_user(client, fake_wechat)
    for changes in ({"phone": "13900000000"}, {"name": "李三"}):
        answer = await mini.declare(declaration(**changes), status=409)
        refusal(answer, "declare.document_taken")
    assert (await mini.me())["person"] is None
    assert await Person.all().count() == 1 and await Declaration.all().count() == 1
    assert not await Account.filter(channel="miniapp", person_id__not_isnull=True).exists()
    # the chat's record is untouched: its code still shows, decided by its own declaration
    assert "绿码" in await chat.say("亮码")


async def test_the_family_is_shared_by_both_channels(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    chat = await chat_user(client)
    await declare(chat, GREEN_ANSWERS)
    await add_family(chat, "3", "张小宝", CHILD)
    mini = await mini_user(client, fake_wechat)
    await mini.declare(declaration())
    family = (await mini.me())["family"]
    assert [(m["name"], m["relation"], m["color"]) for m in family] == [("张*宝", "child", "green")]
    child_id = family[0]["person_id"]
    assert (await mini.code(child_id))["color"] == "green"
    changed = await mini.declare(
        declaration(
            name="张小宝", doc_number=CHILD, phone=None, person_id=child_id, symptoms=["fever"]
        )
    )
    assert changed["color"] == "orange"
    menu = await chat.say("切换")
    assert "张*宝（子女）" in menu and "橙码" in menu
    await mini.appeal({"person_id": child_id, "text": "孩子体温正常"})
    refusal(
        await mini.appeal({"person_id": child_id, "text": "再提一次"}, status=409),
        "appeals.already_open",
    )


async def test_a_code_change_is_queued_for_the_mini_program_account(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    chat = await chat_user(client)
    await declare(chat, GREEN_ANSWERS)
    mini = await mini_user(client, fake_wechat)
    await mini.declare(declaration())
    _staff, official = await add_staff("官员", "official")
    response = await client.put(
        f"/api/admin/districts/{declaration()['district']}/tier",
        json={"tier": "high", "note": "test"},
        headers={"Authorization": f"Bearer {official}"},
    )
    assert response.status == 200, await response.text()
    assert (await mini.code())["color"] == "orange"
    mini_account = await Account.get(channel="miniapp")
    notices = await Notice.filter(kind="code_changed").prefetch_related("account")
    assert {n.account.channel for n in notices} == {"mp", "miniapp"}
    mine = next(n for n in notices if n.account_id == mini_account.id)
    assert mine.payload["old"] == "green" and mine.payload["new"] == "orange"
    assert mine.payload["person"] == (await mini.me())["person"]["person_id"]
    assert VALID_ID not in str(mine.payload)
    # the sender learns the channel with the row, to send a subscribe message
    claimed = (await delivery.claim_due(client.app[RUNTIME], 10)).deliveries
    assert {d.channel for d in claimed if d.kind == "code_changed"} == {"mp", "miniapp"}
