"""Residents' questions in the chat, through signed WeChat messages to POST /wechat: the
FAQ's answer with its source, the fallback with the hotline, and a question asked in the
middle of a declaration answered without losing the answers so far."""

from __future__ import annotations

import dataclasses

from aiohttp.test_utils import TestClient

from bot.app_state import CODEC
from bot.settings import Settings
from models.code import HealthCode
from tests.conftest import start_app
from tests.support.clock import FakeClock
from tests.support.wechat_user import WeChatUser

VALID_ID = "11010519491231002X"


async def test_a_question_outside_a_dialogue_gets_the_answer_and_its_source(
    resident: WeChatUser,
) -> None:
    reply = await resident.say("截图的绿码能用吗")
    assert "不可以" in reply and "更新时间" in reply
    assert "天津健康码答疑 第8、20问" in reply


async def test_an_english_question_gets_the_english_answer(resident: WeChatUser) -> None:
    reply = await resident.say("How do I apply for a health code?")
    assert 'Reply "apply"' in reply
    assert "(Tianjin health code FAQ, question 11)" in reply


async def test_a_question_the_faq_does_not_answer_gets_the_hotline_and_help(
    resident: WeChatUser,
) -> None:
    reply = await resident.say("口罩去哪里买")
    assert "暂时回答不了" in reply and "88908890" in reply and "帮助" in reply
    assert "答疑" not in reply  # no entry is offered as if it answered
    english = await resident.say("Where can I buy masks?")
    assert "cannot answer" in english and "88908890" in english and '"help"' in english


async def test_the_hotline_comes_from_the_settings(
    aiohttp_client, settings: Settings, clock: FakeClock
) -> None:
    client: TestClient = await start_app(
        aiohttp_client, dataclasses.replace(settings, hotline="12345"), clock
    )
    resident = WeChatUser(client, client.app[CODEC], "o-hotline")
    assert "12345" in await resident.say("健康码颜色不对，我要找谁")
    assert "12345" in await resident.say("今天天气怎么样")


async def test_a_question_inside_a_declaration_is_answered_and_the_step_asked_again(
    resident: WeChatUser,
) -> None:
    await resident.say("申领")
    await resident.converse("张三", "1")
    reply = await resident.say("外国人可以领健康码吗？")
    assert "4 护照" in reply and "第39问" in reply
    assert "居民身份证号码" in reply  # the same step, asked again
    # the answers so far are kept: the declaration goes on from step 3
    replies = await resident.converse(VALID_ID, "13812345678", "1", "1", "1", "1")
    assert "请核对申报信息" in replies[-1] and "姓名：张三" in replies[-1]
    assert "绿码" in await resident.say("1")
    assert await HealthCode.filter(color="green").count() == 1


async def test_a_wrong_answer_that_asks_nothing_is_still_explained(resident: WeChatUser) -> None:
    await resident.say("申领")
    await resident.converse("张三", "1")
    reply = await resident.say(VALID_ID[:-1] + "1")
    assert "身份证号校验位不正确" in reply and "答疑" not in reply


async def test_a_question_the_faq_cannot_answer_inside_a_step_gets_the_steps_reason(
    resident: WeChatUser,
) -> None:
    await resident.say("申领")
    await resident.converse("张三")
    reply = await resident.say("明天会下雨吗？")
    assert "证件类型" in reply and "答疑" not in reply
