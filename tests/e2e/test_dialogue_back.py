"""上一步 / back, through signed WeChat messages: one question back, every other answer kept."""

from __future__ import annotations

from models.code import HealthCode
from models.declaration import Declaration
from models.person import Person
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.family import registered
from tests.support.wechat_user import WeChatUser

IDENTITY = GREEN_ANSWERS[:5]


async def test_a_return_over_14_days_ago_is_fixed_without_cancelling(
    resident: WeChatUser,
) -> None:
    await resident.say("申领")
    await resident.converse(*IDENTITY, "2", "武汉")
    too_old = await resident.say("2000-01-01")
    assert "14 天前" in too_old and "上一步" in too_old
    assert "从哪个城市返回" in await resident.say("上一步")
    assert "【6/9】" in await resident.say("上一步")
    replies = await resident.converse("否", "1", "1")
    summary = replies[-1]
    assert "姓名：张三" in summary and "1101**********002X" in summary  # nothing typed again
    assert "近14天离开本市：否" in summary
    assert "申报已提交" in await resident.say("1")
    declaration = await Declaration.get()
    assert (declaration.left_city, declaration.from_city, declaration.return_date) == (
        False,
        None,
        None,
    )
    assert (await HealthCode.get()).color == "green"


async def test_back_from_the_summary_changes_one_answer(resident: WeChatUser) -> None:
    await resident.say("申领")
    await resident.converse(*GREEN_ANSWERS)
    assert "【8/9】" in await resident.say("上一步")
    assert "接触确诊或疑似病例：是" in await resident.say("是")
    assert "红码" in await resident.say("1")
    assert (await Declaration.get()).contact is True


async def test_back_walks_to_the_first_question_and_stops_there(resident: WeChatUser) -> None:
    await resident.say("申领")
    await resident.converse(*GREEN_ANSWERS[:3])
    assert "【3/9】" in await resident.say("上一步")  # from 4/9
    assert "【2/9】" in await resident.say("上一步")
    assert "【1/9】" in await resident.say("上一步")
    first = await resident.say("上一步")
    assert "已经是第一个问题" in first and "【1/9】" in first
    # the answers are still there: going forward asks each question again, in order
    assert "【2/9】" in await resident.say("张三")


async def test_back_with_nothing_open(resident: WeChatUser) -> None:
    assert "无法返回上一步" in await resident.say("上一步")
    await resident.say("English")
    assert "nothing open to go back" in await resident.say("back")


async def test_back_in_english_and_after_a_wrong_answer(resident: WeChatUser) -> None:
    await resident.say("English")
    await resident.say("apply")
    await resident.converse(*IDENTITY)
    assert "or simply" in await resident.say("perhaps")
    assert "[5/9]" in await resident.say("back")
    assert "[6/9]" in await resident.say("2")  # district 2 now


async def test_back_from_the_first_health_question_of_declaring_again_is_the_menu(
    resident: WeChatUser,
) -> None:
    await declare(resident, GREEN_ANSWERS)
    await resident.say("申领")
    assert "【6/9】" in await resident.say("2")
    menu = await resident.say("上一步")
    assert "上次申报的个人信息" in menu and "3 修改个人信息" in menu
    assert "申报已提交" in await resident.say("1")
    assert await Declaration.all().count() == 2


async def test_back_in_the_family_flow_returns_to_the_relation(client) -> None:
    parent = await registered(client, "o-parent")
    await parent.say("代办")
    assert "姓名" in await parent.say("3")
    assert "1 配偶" in await parent.say("上一步")
    assert "姓名" in await parent.say("2")
    await parent.say("取消")
    assert await Person.all().count() == 1
