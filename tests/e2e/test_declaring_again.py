"""Declaring again in two messages when nothing changed, through signed WeChat messages and
the mini-program's API: the identity and address kept (masked), the rules deciding the colour,
the rows read back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from models.code import CodeChange, HealthCode
from models.declaration import Declaration
from models.outbox import Notice
from models.person import Guardianship, Person
from tests.fakes.wechat_api import FakeWeChat
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.family import add_family, registered
from tests.support.ids import CHILD, VALID_ID
from tests.support.miniapp import MiniappUser, declaration, member, refusal
from tests.support.wechat_user import WeChatUser

MASKED_ID = "1101**********002X"
HEPING = 120101


async def declarations_of(person_id: int) -> list[Declaration]:
    return await Declaration.filter(person_id=person_id).order_by("id")


def today_of(runtime) -> str:
    return runtime.now().astimezone(runtime.ruleset.tz).date().isoformat()


# --- the chat --------------------------------------------------------------------------------


async def test_a_second_apply_shows_the_kept_identity_masked_and_four_choices(
    resident: WeChatUser,
) -> None:
    await declare(resident, GREEN_ANSWERS)
    menu = await resident.say("申领")
    assert "您上次申报的个人信息" in menu
    assert "张*" in menu and "张三" not in menu
    assert MASKED_ID in menu and VALID_ID not in menu
    assert "138****5678" in menu and "13812345678" not in menu
    assert "和平区" in menu
    assert "1 今日无发热咳嗽、近14天未离开本市、无接触史，确认提交" in menu
    assert "2 有变化" in menu and "3 修改个人信息" in menu and "0 取消" in menu


async def test_nothing_changed_is_two_messages_through_the_same_path(
    resident: WeChatUser, runtime
) -> None:
    await declare(resident, GREEN_ANSWERS)
    person = await Person.get()
    declared_from = runtime.now()
    await resident.say("申领")
    done = await resident.say("1")
    assert "申报已提交" in done and "绿码" in done and "/c/" in done
    first, again = await declarations_of(person.id)
    assert (again.left_city, again.from_city, again.return_date) == (False, None, None)
    assert (again.symptoms, again.contact, again.district_id) == ([], False, HEPING)
    assert again.declared_at >= declared_from and again.account_id == first.account_id
    assert await Person.all().count() == 1
    # one transaction with its outbox row: the code image queued for this very declaration
    image = await Notice.get(dedupe_key=f"declaration:{again.id}:image")
    assert image.payload == {"person": person.public_id}
    history = await CodeChange.filter(person_id=person.id).values_list("cause", flat=True)
    assert list(history) == ["declaration", "declaration"]


async def test_a_return_still_within_14_days_stays_declared(resident: WeChatUser, runtime) -> None:
    today = today_of(runtime)
    await declare(resident, [*GREEN_ANSWERS[:5], "2", "湖北省武汉市", today, "1", "1"])
    assert (await HealthCode.get()).color == "orange"
    menu = await resident.say("申领")
    assert f"1 今日无发热咳嗽、无接触史，近14天行程不变（{today} 从湖北省武汉市返回）" in menu
    done = await resident.say("1")
    assert "橙码" in done and "武汉" in done  # the rules still decide on the trip
    again = (await declarations_of((await Person.get()).id))[-1]
    assert (again.left_city, again.from_city, str(again.return_date)) == (
        True,
        "湖北省武汉市",
        today,
    )
    assert (await HealthCode.get()).color == "orange"


async def test_something_changed_asks_only_the_health_questions(resident: WeChatUser) -> None:
    await declare(resident, GREEN_ANSWERS)
    await resident.say("申领")
    assert "【6/9】" in await resident.say("2")
    replies = await resident.converse("否", "2", "没有")
    summary = replies[-1]
    assert "请核对申报信息" in summary and "张*" in summary and MASKED_ID in summary
    assert VALID_ID not in summary and "13812345678" not in summary
    assert "发热" in summary and "和平区" in summary
    done = await resident.say("1")
    assert "申报已提交" in done and "橙码" in done
    again = (await declarations_of((await Person.get()).id))[-1]
    assert again.symptoms == ["fever"] and again.district_id == HEPING
    assert (await HealthCode.get()).color == "orange"


async def test_start_again_at_the_summary_returns_to_the_choices(resident: WeChatUser) -> None:
    await declare(resident, GREEN_ANSWERS)
    await resident.say("申领")
    await resident.converse("2", "1", "1", "1")
    restarted = await resident.say("2")
    assert "从头重新填写" in restarted and "您上次申报的个人信息" in restarted
    assert "申报已提交" in await resident.say("1")
    assert await Declaration.all().count() == 2


async def test_changing_the_personal_details_is_the_whole_declaration(
    resident: WeChatUser,
) -> None:
    await declare(resident, GREEN_ANSWERS)
    await resident.say("申领")
    assert "【1/9】" in await resident.say("3")
    replies = await resident.converse("张三", "1", VALID_ID, "13900000000", "2", "1", "1", "1")
    assert "13900000000" in replies[-1]
    assert "申报已提交" in await resident.say("1")
    again = (await declarations_of((await Person.get()).id))[-1]
    assert again.district_id == 120102


async def test_cancel_and_a_wrong_choice_write_nothing(resident: WeChatUser) -> None:
    await declare(resident, GREEN_ANSWERS)
    await resident.say("申领")
    wrong = await resident.say("5")
    assert "回复选项前的数字" in wrong and "您上次申报的个人信息" in wrong
    assert "已取消" in await resident.say("0")
    await resident.say("申领")
    assert "已取消" in await resident.say("取消")
    assert await Declaration.all().count() == 1


async def test_a_family_member_after_switch(client: TestClient) -> None:
    parent = await registered(client, "o-parent")
    await add_family(parent, "3", "张小宝", CHILD)
    child = await Person.get(id=(await Guardianship.get()).member_id)
    await parent.say("切换")
    assert "张*宝" in await parent.say("1")
    menu = await parent.say("申领")
    assert "您的子女 张*宝 上次申报的个人信息" in menu and "未填写" in menu
    assert "1101**********0010" in menu and CHILD not in menu
    done = await parent.say("1")
    assert "已为 张*宝 提交申报" in done and "绿码" in done
    assert len(await declarations_of(child.id)) == 2
    own = await Person.get(doc_lookup__not=child.doc_lookup)
    assert len(await declarations_of(own.id)) == 1  # the parent's own record is untouched


async def test_in_english(resident: WeChatUser) -> None:
    await declare(resident, GREEN_ANSWERS)
    await resident.say("English")
    menu = await resident.say("apply")
    assert "Your details from the last declaration" in menu and MASKED_ID in menu
    assert "Heping" in menu and "1 No fever or cough today" in menu and "0 Cancel" in menu
    assert "[6/9]" in await resident.say("2")
    await resident.converse("no", "1", "yes")
    done = await resident.say("1")
    assert "submitted" in done and "Red code" in done
    assert (await declarations_of((await Person.get()).id))[-1].contact is True


# --- the mini-program ------------------------------------------------------------------------


@pytest.fixture
async def app_user(client: TestClient, fake_wechat: FakeWeChat) -> MiniappUser:
    user = MiniappUser(client, fake_wechat, "mini-again")
    await user.login()
    return user


async def declare_again(
    user: MiniappUser, body: dict[str, Any], key: str | None = None
) -> tuple[int, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    return await user.call("POST", "/declarations", json=body, headers=headers)


async def test_the_mini_program_declares_again_with_same_as_last(app_user: MiniappUser) -> None:
    first = await app_user.declare(declaration(symptoms=["cough"]))
    assert first["color"] == "orange"
    status, again = await declare_again(app_user, {"same_as_last": True})
    assert status == 201, again
    assert again["person_id"] == first["person_id"] and again["color"] == "green"
    assert again["token"].startswith("HC1:")
    person = await Person.get(public_id=first["person_id"])
    rows = await declarations_of(person.id)
    assert len(rows) == 2 and rows[-1].symptoms == [] and rows[-1].district_id == HEPING
    assert (await HealthCode.get(person_id=person.id)).color == "green"


async def test_same_as_last_for_a_family_member(app_user: MiniappUser) -> None:
    await app_user.declare(declaration())
    child = await app_user.declare(member("张小宝", CHILD, relation="child", contact=True))
    assert child["color"] == "red"
    status, again = await declare_again(
        app_user, {"same_as_last": True, "person_id": child["person_id"]}
    )
    assert status == 201 and again["person_id"] == child["person_id"]
    assert again["color"] == "green"
    person = await Person.get(public_id=child["person_id"])
    assert [d.contact for d in await declarations_of(person.id)] == [True, False]


async def test_same_as_last_under_an_idempotency_key_files_once(app_user: MiniappUser) -> None:
    await app_user.declare(declaration())
    first = await declare_again(app_user, {"same_as_last": True}, key="again-1")
    retry = await declare_again(app_user, {"same_as_last": True}, key="again-1")
    assert (first[0], retry[0]) == (201, 200)
    assert retry[1]["person_id"] == first[1]["person_id"]
    assert await Declaration.all().count() == 2
    # the key names that request: a full declaration under it is another request
    status, reused = await declare_again(app_user, declaration(), key="again-1")
    assert status == 409 and refusal(reused, "miniapp.request_key_reused")


async def test_concurrent_same_as_last_taps_collapse_into_one(app_user: MiniappUser) -> None:
    await app_user.declare(declaration())
    taps = [declare_again(app_user, {"same_as_last": True}, key="tap") for _ in range(3)]
    answers = await asyncio.gather(*taps)
    assert sorted(status for status, _ in answers) == [200, 200, 201]
    assert await Declaration.all().count() == 2


async def test_same_as_last_without_an_earlier_declaration_is_refused(
    app_user: MiniappUser,
) -> None:
    status, answer = await declare_again(app_user, {"same_as_last": True})
    assert status == 409
    assert "请先完整填写一次健康申报" in refusal(answer, "declare.no_earlier")
    assert await Declaration.all().count() == 0 and await Person.all().count() == 0


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            {"same_as_last": True, "symptoms": ["fever"]},
            422,
            "miniapp.same_as_last_alone",
            "symptoms",
        ),
        ({"same_as_last": "yes"}, 422, "api.wrong_type", "same_as_last"),
        ({"same_as_last": True, "person_id": "f" * 32}, 404, "family.not_found", None),
        ({"same_as_last": False}, 422, "api.missing", "name"),
    ],
)
async def test_same_as_last_refusals(
    app_user: MiniappUser, body: dict[str, Any], status: int, code: str, field: str | None
) -> None:
    await app_user.declare(declaration())
    got, answer = await declare_again(app_user, body)
    assert got == status, answer
    refusal(answer, code, field)
    assert await Declaration.all().count() == 1


async def test_a_full_declaration_may_say_same_as_last_false(app_user: MiniappUser) -> None:
    answer = await app_user.declare({**declaration(), "same_as_last": False})
    assert answer["color"] == "green"
