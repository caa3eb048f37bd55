"""Taking over a family member's record: every step of the attack, through the mini-program API
and through signed WeChat messages, and it fails at each one.

The attack, as found: a stranger who knew the name and ID number of a child registered by a
parent (no phone) claimed the record from their own account, which locked the parent out, then
declared the child red and erased their account, which deleted the child's record. A second
stranger added themselves as a guardian with the name and number alone, and a wrong name
answered differently from a right one, so any number could be tested.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.settings import Settings
from models.code import HealthCode
from models.declaration import Declaration
from models.person import Account, Guardianship, Person
from models.transfer import ClaimAttempt
from tests.conftest import start_app
from tests.fakes.wechat_api import FakeWeChat
from tests.support.chat import chat_user, declare, erase
from tests.support.clock import FakeClock
from tests.support.family import HEALTHY, Family, family, member_answers, registered
from tests.support.ids import CHILD, VALID_ID
from tests.support.miniapp import API, declaration, member, mini_user, refusal
from tests.support.people import resident_id
from tests.support.transfers import issue_in_miniapp, redeem_in_miniapp

STRANGER_PHONE = "13600000009"
STRANGER_ID = resident_id(901)
SECOND_STRANGER_ID = resident_id(902)


def the_childs(**changes: Any) -> dict[str, Any]:
    """A declaration with the child's name and number, and a phone of the stranger's."""
    return declaration(**{"name": "张小宝", "doc_number": CHILD, "phone": STRANGER_PHONE} | changes)


async def child_record() -> Person:
    return await Person.get(id=(await Guardianship.get()).member_id)


async def the_child_is_the_parents(fam: Family, color: str = "green") -> None:
    """The parent still shows the child's code, in both channels, and nobody else manages it."""
    assert (await fam.mini.code(fam.child_id))["color"] == color
    await fam.chat.say("切换")
    assert "已切换到 张*宝" in await fam.chat.say("1")
    assert (await fam.chat.say("亮码")).startswith("正在出示：张*宝（子女）")
    child = await child_record()
    assert child.erased_at is None and not await Account.filter(person_id=child.id).exists()
    assert (await HealthCode.get(person_id=child.id)).color == color


# --- the attack, step by step ------------------------------------------------------------------


async def test_the_takeover_fails_at_every_step_in_the_mini_program(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    stranger = await mini_user(client, fake_wechat, "mini-stranger")
    declared_before = await Declaration.all().count()

    # 1. claim the record with the name, the number and any phone
    answer = await stranger.declare(the_childs(), status=409)
    assert "交接码" in refusal(answer, "declare.document_taken")
    assert (await stranger.me())["person"] is None

    # 2. the parent is not locked out: a declaration for the child is filed
    filed = await fam.mini.declare(member("张小宝", CHILD, person_id=fam.child_id))
    assert filed["person_id"] == fam.child_id and filed["color"] == "green"

    # 3. declare the child red: not as their own record, not by the child's id
    answer = await stranger.declare(the_childs(contact=True), status=409)
    refusal(answer, "declare.document_taken")
    answer = await stranger.declare(
        member("张小宝", CHILD, person_id=fam.child_id, contact=True), status=404
    )
    refusal(answer, "family.not_found")
    refusal(await stranger.code(fam.child_id, status=404), "family.not_found")
    assert await Declaration.all().count() == declared_before + 1  # the parent's alone

    # 4. erase the account: it held nothing of the child's
    status, erased = await stranger.call("DELETE", "/me")
    assert status == 200
    assert erased == {"erased_people": 0, "kept_until": None, "kept_by_family": False}
    await the_child_is_the_parents(fam)


async def test_the_takeover_fails_at_every_step_in_the_chat(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    stranger = chat_user(client, "o-stranger")

    # 1. claim the record: 申领 with the child's name and number, and the stranger's phone
    refused = await declare(stranger, ["张小宝", "1", CHILD, STRANGER_PHONE, *HEALTHY])
    assert "无法登记到您的微信" in refused and "交接码" in refused and "88908890" in refused
    assert "还没有健康码" in await stranger.say("亮码")

    # 2. the parent is not locked out
    await fam.chat.say("切换")
    await fam.chat.say("1")
    await fam.chat.say("申领")
    assert "已为 张*宝 提交申报" in await fam.chat.say("1")  # 1: nothing changed

    # 3. declare the child red (contact with a case): refused the same way
    contact = ["张小宝", "1", CHILD, STRANGER_PHONE, "1", "1", "1", "2"]
    assert await declare(stranger, contact) == refused
    assert "还没有登记本人信息" in await stranger.say("切换")

    # 4. erase the account
    assert "感谢您的使用" in await erase(stranger)
    await the_child_is_the_parents(fam)


async def test_no_stranger_adds_themselves_as_a_guardian_in_either_channel(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    fam = await family(client, fake_wechat)
    mini = await mini_user(client, fake_wechat, "mini-stranger-2")
    await mini.declare(declaration(name="王五", doc_number=STRANGER_ID, phone=STRANGER_PHONE))
    answer = await mini.declare(member("张小宝", CHILD, relation="parent"), status=409)
    assert "添加代办人" in refusal(answer, "family.document_taken")
    assert (await mini.me())["family"] == []

    chat = await registered(client, "o-stranger-3", "赵六", SECOND_STRANGER_ID, "13600000008")
    await chat.say("代办")
    await chat.converse("3", *member_answers("张小宝", CHILD))
    refused = await chat.say("1")
    assert "不能直接添加为您代办的家人" in refused and "交接码" in refused
    assert "还没有代办的家人" in await chat.say("切换")

    assert await Guardianship.all().count() == 1
    await the_child_is_the_parents(fam)


# --- no oracle ---------------------------------------------------------------------------------


async def test_a_number_answers_the_same_whatever_the_name_and_whoever_manages_it(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    """A record a parent manages, with the right name or a wrong one, and a record its own
    person manages (a wrong phone, a wrong name): one answer for all, in both paths and both
    channels, so no answer says which it is."""
    await family(client, fake_wechat)  # 张三 (VALID_ID) manages their own record and the child's
    tries = [
        {"name": "张小宝", "doc_number": CHILD},
        {"name": "王小宝", "doc_number": CHILD},
        {"name": "张三", "doc_number": VALID_ID},
        {"name": "李三", "doc_number": VALID_ID},
    ]
    guesser = await mini_user(client, fake_wechat, "mini-guesser")
    as_own = [
        await guesser.call("POST", "/declarations", json=declaration(phone=STRANGER_PHONE, **who))
        for who in tries
    ]
    assert as_own[0][0] == 409 and all(answer == as_own[0] for answer in as_own), as_own

    await guesser.declare(declaration(name="王五", doc_number=STRANGER_ID, phone=STRANGER_PHONE))
    as_family = [
        await guesser.call(
            "POST", "/declarations", json=member(who["name"], who["doc_number"], relation="child")
        )
        for who in tries
    ]
    assert as_family[0][0] == 409 and all(a == as_family[0] for a in as_family), as_family

    in_chat = []
    for n, who in enumerate(tries):
        chat = chat_user(client, f"o-guesser-{n}")
        answers = [who["name"], "1", who["doc_number"], STRANGER_PHONE, *HEALTHY]
        in_chat.append(await declare(chat, answers))
    assert len(set(in_chat)) == 1, in_chat
    assert not await Account.filter(
        openid__startswith="o-guesser", person_id__not_isnull=True
    ).exists()


# --- the limit on attempts ---------------------------------------------------------------------


@pytest.fixture
async def strict(aiohttp_client, settings: Settings, clock: FakeClock) -> TestClient:
    """Three claim attempts an hour."""
    return await start_app(aiohttp_client, dataclasses.replace(settings, claims_per_hour=3), clock)


async def test_claim_attempts_are_limited_per_wechat_user_in_the_mini_program(
    strict: TestClient, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    await family(strict, fake_wechat)
    guesser = await mini_user(strict, fake_wechat, "mini-guesser")
    for n in range(3):
        await guesser.declare(the_childs(name=f"张小{'宝贝乖'[n]}"), status=409)
    response = await strict.post(
        f"{API}/declarations",
        json=the_childs(),
        headers={"Authorization": f"Bearer {guesser.token}"},
    )
    answer = await response.json()
    assert response.status == 429 and response.headers["Retry-After"] == "3600"
    assert "60 分钟后再试" in refusal(answer, "claim.too_many")
    # erasing the account and logging in again does not start the count again
    status, _ = await guesser.call("DELETE", "/me")
    assert status == 200
    await guesser.login()
    status, answer = await guesser.call("POST", "/declarations", json=the_childs())
    assert status == 429
    assert await ClaimAttempt.all().count() >= 3
    # an hour after the first attempt, one more may be made
    clock.advance(hours=1, seconds=1)
    refusal(await guesser.declare(the_childs(), status=409), "declare.document_taken")


async def test_claim_attempts_are_limited_per_wechat_user_in_the_chat(
    strict: TestClient, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    await family(strict, fake_wechat)
    guesser = chat_user(strict, "o-guesser")
    for _ in range(3):
        refused = await declare(guesser, ["张小宝", "1", CHILD, STRANGER_PHONE, *HEALTHY])
        assert "交接码" in refused
    # said at once, before the nine questions
    assert "请 60 分钟后再试" in await guesser.say("申领")
    assert "请 60 分钟后再试" in await guesser.say("交接码 K7Q2-M9XD")
    clock.advance(minutes=30)
    assert "请 30 分钟后再试" in await guesser.say("申领")
    clock.advance(minutes=31)
    assert "【1/9】" in await guesser.say("申领")


async def test_every_wrong_transfer_code_gets_the_same_answer(
    client: TestClient, fake_wechat: FakeWeChat, clock: FakeClock
) -> None:
    """Unknown, used, expired and withdrawn codes answer alike, in both channels; a code of the
    wrong shape is said to be one, and costs no attempt."""
    fam = await family(client, fake_wechat)
    used = (await issue_in_miniapp(fam.mini, "add_guardian"))["code"]
    helper = await mini_user(client, fake_wechat, "mini-helper")
    await helper.declare(declaration(name="王五", doc_number=STRANGER_ID, phone=STRANGER_PHONE))
    await redeem_in_miniapp(helper, used, "parent")
    withdrawn = (await issue_in_miniapp(fam.mini, "add_guardian", fam.child_id))["code"]
    expired = (await issue_in_miniapp(fam.mini, "add_guardian", fam.child_id))["code"]
    clock.advance(hours=24)
    unknown = "K7Q2-M9XD" if "K7Q2-M9XD" not in (used, withdrawn, expired) else "K7Q2-M9XE"

    guesser = await mini_user(client, fake_wechat, "mini-guesser")
    await guesser.declare(declaration(name="赵六", doc_number=SECOND_STRANGER_ID))
    attempts = await ClaimAttempt.all().count()
    answers = [
        await guesser.call("POST", "/transfers", json={"code": code, "relation": "child"})
        for code in (unknown, used, withdrawn, expired)
    ]
    assert answers[0][0] == 409 and all(answer == answers[0] for answer in answers), answers
    refusal(answers[0][1], "transfer.invalid")
    status, answer = await guesser.call("POST", "/transfers", json={"code": "K7Q2"})
    assert status == 422
    refusal(answer, "transfer.code_format", field="code")
    assert await ClaimAttempt.all().count() == attempts + 4  # the four codes, not the fifth

    chat = chat_user(client, "o-guesser")
    said = {await chat.say(f"交接码 {code}") for code in (unknown, used, withdrawn, expired)}
    assert len(said) == 1 and "交接码不正确" in said.pop()
    assert "8 位字母和数字" in await chat.say("交接码 K7Q2")
    assert await Guardianship.all().count() == 2  # the parent's child, the helper's parent
