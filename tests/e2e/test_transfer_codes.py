"""交接码, the legitimate paths end to end: a parent hands a child's record over to the child, a
second parent joins, a person lets a relative act for them; everyone else who shows the code
is told through the outbox, and the notices are sent and read back; erasure gives a record
back to the family instead of deleting it. Through signed WeChat messages and the
mini-program API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import GATEWAY, RUNTIME
from bot.services.housekeeping.purge import purge
from bot.settings import Settings
from bot.wechat.sender import send_due_notices
from models.audit import AuditEntry
from models.code import HealthCode
from models.outbox import Notice
from models.person import Account, Guardianship, Person
from models.transfer import ClaimAttempt, TransferCode
from tests.conftest import start_app
from tests.fakes.wechat_api import FakeWeChat
from tests.support.chat import chat_user, declare
from tests.support.clock import FakeClock
from tests.support.family import HEALTHY, family, registered
from tests.support.ids import CHILD, FATHER, MOTHER
from tests.support.miniapp import declaration, member, mini_user, refusal
from tests.support.transfers import (
    code_in,
    issue_in_chat,
    issue_in_miniapp,
    redeem_in_chat,
    redeem_in_miniapp,
)

CUSTOM_SEND = "/cgi-bin/message/custom/send"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"


@pytest.fixture
async def client(aiohttp_client, settings: Settings, clock: FakeClock) -> TestClient:
    """The app with a subscribe template for family notices, so the mini-program gets them."""
    told = dataclasses.replace(settings, miniapp_template_family_changed="SUB-FAMILY")
    return await start_app(aiohttp_client, told, clock)


async def family_notices() -> dict[str, dict]:
    """The family-change notices in the outbox, by the openid of the account they are for."""
    rows = await Notice.filter(kind="family_change").prefetch_related("account")
    return {row.account.openid: row.payload for row in rows}


async def send_all(client: TestClient) -> None:
    await send_due_notices(client.app[RUNTIME], client.app[GATEWAY])


def texts_to(fake: FakeWeChat, openid: str) -> list[str]:
    return [
        body["text"]["content"]
        for body in fake.sent(CUSTOM_SEND)
        if body["touser"] == openid and body["msgtype"] == "text"
    ]


def subscribes_to(fake: FakeWeChat, openid: str) -> list[dict]:
    return [body for body in fake.sent(SUBSCRIBE_SEND) if body["touser"] == openid]


# --- handing a record over ---------------------------------------------------------------------


async def test_a_parent_hands_the_childs_record_over_and_still_shows_it(
    client: TestClient, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    fam = await family(client, fake_wechat)
    menu = await fam.chat.say("交接码")
    assert "1 输入收到的交接码" in menu and "2 生成交接码" in menu
    whom = await fam.chat.say("2")
    assert "1 张*宝（子女）" in whom and "2 本人：让一位家人为您代办" in whom
    assert "1 交给本人" in await fam.chat.say("1")
    issued = await fam.chat.say("1")
    code = code_in(issued)
    assert "用途：把 张*宝 的健康码交给其本人管理" in issued and "有效期至" in issued
    assert "请 张*宝 在自己的微信中关注本公众号" in issued
    row = await TransferCode.get()
    assert row.purpose == "hand_over" and row.expires_at == clock() + timedelta(hours=24)
    assert code.replace("-", "") not in str(await TransferCode.all().values())  # hashed only

    # the child, grown up, enters it in their own mini-program
    child = await mini_user(client, fake_wechat, "mini-child")
    taken = await redeem_in_miniapp(child, code.lower().replace("-", " "))
    assert taken == {
        "person_id": fam.child_id,
        "name": "张*宝",
        "purpose": "hand_over",
        "relation": None,
    }
    assert (await child.me())["person"]["person_id"] == fam.child_id
    mine = await child.declare(
        declaration(name="张小宝", doc_number=CHILD, phone="13700000007", contact=True)
    )
    assert mine["person_id"] == fam.child_id and mine["color"] == "red"
    # the parent shows the code still, and no longer declares for the child
    assert (await fam.mini.code(fam.child_id))["color"] == "red"
    answer = await fam.mini.declare(member("张小宝", CHILD, person_id=fam.child_id), status=409)
    refusal(answer, "family.self_managed")
    assert (await fam.mini.me())["family"][0]["self_managed"] is True
    # the code was for one use
    refusal(await redeem_in_miniapp(child, code, status=409), "transfer.invalid")

    # both of the parent's accounts are told, the child's own is not
    told = await family_notices()
    assert set(told) == {"o-parent", "mini-parent"}
    assert told["o-parent"]["change"] == "handed_over" and told["o-parent"]["own"] is False
    assert told["o-parent"]["person"] == fam.child_id and CHILD not in str(told)
    await send_all(client)
    [text] = texts_to(fake_wechat, "o-parent")
    assert text.startswith("【家人代办】张*宝 已用交接码改由本人用自己的微信管理健康码")
    [subscribed] = subscribes_to(fake_wechat, "mini-parent")
    assert subscribed["template_id"] == "SUB-FAMILY"
    assert subscribed["data"]["thing2"]["value"] == "交由本人管理"
    assert set(await Notice.filter(kind="family_change").values_list("status", flat=True)) == {
        "sent"
    }
    actions = await AuditEntry.filter(action__startswith="transfer.").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["transfer.issue", "transfer.redeem"]


async def test_the_child_takes_the_record_in_the_chat_after_a_confirmation(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    code = (await issue_in_miniapp(fam.mini, "hand_over", fam.child_id))["code"]
    child = chat_user(client, "o-child")
    offer = await child.say("交接码")  # nothing to issue: straight to entering one
    assert "请输入您收到的交接码" in offer
    confirm = await child.say(code)
    assert "这是 张*宝 的交接码，用途：交给本人管理" in confirm and "1 确认" in confirm
    assert "已取消" in await child.say("0")
    assert not await Account.filter(openid="o-child", person_id__not_isnull=True).exists()
    done = await redeem_in_chat(child, code, "1")  # the code is still good after a "no"
    assert done.startswith("交接完成：张*宝，现在由您用这个微信管理自己的健康码")
    assert "张*宝 的健康码" in await child.say("亮码")
    await declare(child, ["张小宝", "1", CHILD, "13700000007", *HEALTHY])
    assert await Person.all().count() == 2  # the parent and the child: nothing made anew
    assert set(await family_notices()) == {"o-parent", "mini-parent"}


# --- adding a guardian -------------------------------------------------------------------------


async def test_a_second_parent_joins_with_a_code_from_the_mini_program(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    issued = await issue_in_miniapp(fam.mini, "add_guardian", fam.child_id)
    assert issued["purpose"] == "add_guardian" and issued["name"] == "张*宝"
    father = await registered(client, "o-father", "张伟", FATHER, "13900000002")
    assert "1 输入收到的交接码" in await father.say("交接码")
    assert "请输入您收到的交接码" in await father.say("1")
    asked = await father.say(issued["code"].lower())
    assert "这是 张*宝 的交接码，用途：添加代办人" in asked and "3 子女" in asked
    assert "请回复选项前的数字" in await father.say("5")
    done = await father.say("3")
    assert done.startswith("已添加：您现在为 张*宝（子女）代办")
    assert await Guardianship.filter(member__public_id=fam.child_id).count() == 2
    await father.say("切换")
    await father.say("1")
    assert "上次申报的个人信息" in await father.say("申领")
    await father.converse("2", *HEALTHY[1:-1], "2")  # 有变化: the health questions only
    assert "已为 张*宝 提交申报" in await father.say("1")
    assert (await fam.mini.code(fam.child_id))["color"] == "red"

    told = await family_notices()
    assert set(told) == {"o-parent", "mini-parent"}  # not the father, who did it
    father = await Person.get(id=(await Account.get(openid="o-father")).person_id)
    assert told["o-parent"] | {"at": None} == {
        "person": fam.child_id,
        "change": "guardian_added",
        "own": False,
        "guardian": father.public_id,
        "relation": "child",
        "at": None,
    }
    await send_all(client)
    [text] = texts_to(fake_wechat, "o-parent")
    assert text.startswith("【家人代办】张*（张*宝的父母）已用交接码成为 张*宝 的代办人")


async def test_a_person_lets_a_relative_act_for_them(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    grandma = await mini_user(client, fake_wechat, "mini-grandma")
    await grandma.declare(declaration(name="李奶奶", doc_number=MOTHER, phone="13700000000"))
    refusal(await issue_in_miniapp(grandma, "hand_over", status=409), "transfer.own_record")
    code = (await issue_in_miniapp(grandma, "add_guardian"))["code"]
    grandson = await registered(client, "o-grandson")
    assert "1 输入收到的交接码" in await grandson.say("交接码")
    await grandson.say("1")
    await grandson.say(code)
    assert "已添加：您现在为 李*奶（父母）代办" in await grandson.say("2")
    # she still manages her own record; he shows it and is refused declaring for her
    menu = await grandson.say("切换")
    assert "1 李*奶（父母）" in menu
    await grandson.say("1")
    assert "已用自己的微信申领" in await grandson.say("申领")  # said before any question
    # she manages her own record: he is offered a code for himself only, never for her
    assert "2 生成交接码" in await grandson.say("交接码")
    assert "用途：让一位家人为您代办" in await grandson.say("2")
    told = await family_notices()
    assert set(told) == {"mini-grandma"} and told["mini-grandma"]["own"] is True
    await send_all(client)
    [subscribed] = subscribes_to(fake_wechat, "mini-grandma")
    assert subscribed["data"]["thing2"]["value"] == "新增代办人"


async def test_the_dialogue_in_english(client: TestClient, fake_wechat: FakeWeChat) -> None:
    fam = await family(client, fake_wechat)
    await fam.chat.say("English")
    menu = await fam.chat.say("handover")
    assert "1 Enter a handover code you received" in menu
    assert "1 张*宝 (child)" in await fam.chat.say("2")
    assert "2 Add a helper" in await fam.chat.say("1")
    issued = await fam.chat.say("2")
    assert "It will: let another relative act for 张*宝 too" in issued and "Valid until" in issued
    mother = chat_user(client, "o-mother")
    await mother.say("English")
    await declare(mother, ["Li Mei", "1", MOTHER, "13900000001", *HEALTHY])
    asked = await mother.say(f"handover {code_in(issued)}")
    assert "This handover code lets you act for 张*宝" in asked and "3 Child" in asked
    assert (await mother.say("3")).startswith("Done: you now act for 张*宝 (child)")
    await send_all(client)
    [text] = texts_to(fake_wechat, "o-parent")  # in the parent's language
    assert text.startswith("[Family] ") and "(张*宝's parent) now acts for 张*宝" in text


# --- refusals of the legitimate paths -----------------------------------------------------------


async def test_what_cannot_be_issued_or_redeemed_says_why(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    newcomer = await mini_user(client, fake_wechat, "mini-newcomer")
    refusal(
        await issue_in_miniapp(newcomer, "add_guardian", status=409), "family.register_self_first"
    )
    refusal(
        await issue_in_miniapp(fam.mini, "add_guardian", "0" * 32, status=404), "family.not_found"
    )
    status, answer = await fam.mini.call("POST", "/transfer-codes", json={"purpose": "steal"})
    assert status == 422
    refusal(answer, "miniapp.purpose", field="purpose")

    guardian_code = (await issue_in_miniapp(fam.mini, "add_guardian", fam.child_id))["code"]
    refusal(
        await redeem_in_miniapp(newcomer, guardian_code, "child", 409), "transfer.register_first"
    )
    status, answer = await fam.mini.call("POST", "/transfers", json={"code": guardian_code})
    assert status == 422
    refusal(answer, "transfer.relation", field="relation")
    refusal(
        await redeem_in_miniapp(fam.mini, guardian_code, "child", 409), "transfer.already_guardian"
    )
    own_code = (await issue_in_miniapp(fam.mini, "add_guardian"))["code"]
    refusal(await redeem_in_miniapp(fam.mini, own_code, "spouse", 409), "transfer.is_yourself")
    hand_over = (await issue_in_miniapp(fam.mini, "hand_over", fam.child_id))["code"]
    refusal(await redeem_in_miniapp(fam.mini, hand_over, status=409), "transfer.already_registered")
    # none of these used a code up: the newcomer, once registered, still joins with it
    await newcomer.declare(declaration(name="王五", doc_number=MOTHER, phone="13900000001"))
    await redeem_in_miniapp(newcomer, guardian_code, "child")
    # a self-managed member issues their own codes
    child = await mini_user(client, fake_wechat, "mini-child")
    await redeem_in_miniapp(child, hand_over)
    answer = await issue_in_miniapp(fam.mini, "add_guardian", fam.child_id, status=409)
    assert "张*宝" in refusal(answer, "transfer.self_managed")


async def test_a_code_lasts_a_day_once_and_only_while_its_giver_manages_the_record(
    client: TestClient, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    fam = await family(client, fake_wechat)
    father = await mini_user(client, fake_wechat, "mini-father")
    await father.declare(declaration(name="张伟", doc_number=FATHER, phone="13900000002"))
    first = (await issue_in_miniapp(fam.mini, "add_guardian", fam.child_id))["code"]
    second = (await issue_in_miniapp(fam.mini, "add_guardian", fam.child_id))["code"]
    refusal(await redeem_in_miniapp(father, first, "child", 409), "transfer.invalid")  # replaced
    clock.advance(hours=23, minutes=59)
    await father.login()  # a session lasts two hours
    await fam.mini.login()
    await redeem_in_miniapp(father, second, "child")
    # the father's code for the child dies when he stops acting for the child
    for_aunt = (await issue_in_miniapp(father, "add_guardian", fam.child_id))["code"]
    await father.call("DELETE", "/me")
    aunt = await registered(client, "o-aunt", "李四", MOTHER, "13900001111")
    assert "交接码不正确" in await aunt.say(f"交接码 {for_aunt}")
    late = (await issue_in_miniapp(fam.mini, "add_guardian", fam.child_id))["code"]
    clock.advance(hours=24)
    assert "交接码不正确" in await aunt.say(f"交接码{late}")
    assert await Guardianship.all().count() == 1


async def test_one_code_redeemed_twice_at_once_is_redeemed_once(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    code = (await issue_in_miniapp(fam.mini, "add_guardian", fam.child_id))["code"]
    helpers = []
    for n, (name, doc, phone) in enumerate(
        [("张伟", FATHER, "13900000002"), ("李四", MOTHER, "13900000001")]
    ):
        helper = await mini_user(client, fake_wechat, f"mini-helper-{n}")
        await helper.declare(declaration(name=name, doc_number=doc, phone=phone))
        helpers.append(helper)
    answers = await asyncio.gather(
        *(h.call("POST", "/transfers", json={"code": code, "relation": "child"}) for h in helpers)
    )
    assert sorted(status for status, _ in answers) == [201, 409], answers
    assert await Guardianship.all().count() == 2


# --- erasure and removal -----------------------------------------------------------------------


async def test_erasing_a_handed_over_account_gives_the_record_back(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    code = await issue_in_chat(fam.chat, "1", "1")
    child = chat_user(client, "o-child")
    await redeem_in_chat(child, code, "1")
    await declare(child, ["张小宝", "1", CHILD, "13700000007", *HEALTHY])
    prompt = await child.say("注销")
    assert "您的健康码由家人代办，不会删除" in prompt and "1 确认注销" in prompt
    done = await child.say("1")
    assert done == "已注销，您的账号已删除；您的健康码已交回为您代办的家人管理。感谢您的使用。"

    record = await Person.get(public_id=fam.child_id)
    assert record.erased_at is None and await HealthCode.filter(person_id=record.id).exists()
    assert not await Account.filter(person_id=record.id).exists()
    assert not await Account.filter(openid="o-child").exists()
    # the parent shows and declares for the child again
    assert (await fam.mini.code(fam.child_id))["color"] == "green"
    await fam.mini.declare(member("张小宝", CHILD, person_id=fam.child_id))
    told = await Notice.filter(kind="family_change").prefetch_related("account")
    back = {n.account.openid for n in told if n.payload["change"] == "handed_back"}
    assert back == {"o-parent", "mini-parent"}
    await send_all(client)
    assert any(
        text.startswith("【家人代办】张*宝 已注销本人的账号")
        for text in texts_to(fake_wechat, "o-parent")
    )


async def test_erasing_from_the_mini_program_unlinks_too(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    code = (await issue_in_miniapp(fam.mini, "hand_over", fam.child_id))["code"]
    child = await mini_user(client, fake_wechat, "mini-child")
    await redeem_in_miniapp(child, code)
    status, erased = await child.call("DELETE", "/me")
    assert status == 200
    assert erased == {"erased_people": 0, "kept_until": None, "kept_by_family": True}
    assert (await fam.mini.code(fam.child_id))["color"] == "green"
    # the guardian's own erasure, though, takes the record nobody else manages
    assert "以及只由您代办的 1 位家人的信息" in await fam.chat.say("注销")
    await fam.chat.say("1")
    assert not await Person.filter(public_id=fam.child_id, erased_at__isnull=True).exists()


async def test_removing_the_last_guardian_erases_a_record_nobody_reaches(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    await fam.chat.say("解除代办")
    done = await fam.chat.say("1")
    assert "已解除对 张*宝 的代办" in done and "登记信息已删除" in done
    assert not await Person.filter(public_id=fam.child_id, erased_at__isnull=True).exists()
    # the child can now register themself with their own number
    child = chat_user(client, "o-child")
    reply = await declare(child, ["张小宝", "1", CHILD, "13700000007", *HEALTHY])
    assert "申报已提交" in reply


async def test_removing_one_of_two_guardians_keeps_the_record(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    code = await issue_in_chat(fam.chat, "1", "2")
    father = await registered(client, "o-father", "张伟", FATHER, "13900000002")
    await redeem_in_chat(father, code, "3")
    await father.say("解除代办")
    done = await father.say("1")
    assert "已解除对 张*宝 的代办" in done and "删除" not in done
    assert (await fam.mini.code(fam.child_id))["color"] == "green"


# --- housekeeping ------------------------------------------------------------------------------


async def test_the_purge_forgets_old_attempts_and_spent_codes(
    client: TestClient, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    fam = await family(client, fake_wechat)
    spent = (await issue_in_miniapp(fam.mini, "add_guardian"))["code"]
    helper = await mini_user(client, fake_wechat, "mini-helper")
    await helper.declare(declaration(name="王五", doc_number=MOTHER, phone="13900000001"))
    await redeem_in_miniapp(helper, spent, "parent")
    await issue_in_miniapp(fam.mini, "add_guardian", fam.child_id)  # still live tomorrow
    rt = client.app[RUNTIME]
    assert (await purge(rt)).claim_attempts == 0
    clock.advance(hours=23)
    await fam.mini.login()
    await issue_in_miniapp(fam.mini, "hand_over", fam.child_id)  # live
    clock.advance(hours=2)
    attempts = await ClaimAttempt.all().count()
    done = await purge(rt)
    assert attempts > 0 and done.claim_attempts == attempts
    assert await ClaimAttempt.all().count() == 0
    assert done.transfer_codes == 1  # used over a day ago; the expired one stays a day more
    assert await TransferCode.all().count() == 2
