"""Answers a resident types as they would say them, through signed WeChat messages: yes/no in
words, a day that does not exist, the hint 亮码 gives while a dialogue is open, and the
language of the code page link."""

from __future__ import annotations

import re

import pytest

from bot.resident_pages.code_page import HTML_LANG
from models.code import HealthCode
from models.declaration import Declaration
from tests.support.chat import GREEN_ANSWERS
from tests.support.family import add_family, registered
from tests.support.ids import CHILD
from tests.support.wechat_user import WeChatUser

IDENTITY = GREEN_ANSWERS[:5]  # name, document type and number, phone, district
LINK = re.compile(r"(/c/[A-Za-z0-9_-]+\?lang=(zh|en))")


@pytest.mark.parametrize(
    ("left_city", "contact", "color"),
    [
        ("否", "没有", "green"),
        ("不是", "no", "green"),
        ("N", "ｎｏ", "green"),  # full-width letters, any case
        ("没有。", "否！", "green"),
        ("2", "是", "red"),
        ("1", "有", "red"),
        ("1", "对", "red"),
        ("1", "YES", "red"),
        ("1", "ｙ", "red"),
        ("1", "是的", "red"),
    ],
)
async def test_yes_no_steps_take_words(
    resident: WeChatUser, runtime, left_city: str, contact: str, color: str
) -> None:
    await resident.say("申领")
    await resident.converse(*IDENTITY)
    answers = [left_city]
    if left_city == "2":
        today = runtime.now().astimezone(runtime.ruleset.tz).date().isoformat()
        answers += ["北京", today]
    replies = await resident.converse(*answers, "1", contact)
    assert "请核对申报信息" in replies[-1], replies[-1]
    assert "申报已提交" in await resident.say("1")
    declaration = await Declaration.get()
    assert declaration.left_city is (left_city == "2")
    assert declaration.contact is (color == "red")
    assert (await HealthCode.get()).color == color


@pytest.mark.parametrize("answer", ["maybe", "是否", "yess", "3"])
async def test_a_yes_no_step_refuses_other_words_and_says_which_work(
    resident: WeChatUser, answer: str
) -> None:
    await resident.say("申领")
    await resident.converse(*IDENTITY)
    reply = await resident.say(answer)
    assert "也可以直接回复“是”或“否”" in reply and "【6/9】" in reply
    assert "从哪个城市" in await resident.say("是")  # the step is asked again, nothing lost


async def test_english_yes_no_words(resident: WeChatUser) -> None:
    await resident.say("English")
    await resident.say("apply")
    await resident.converse(*IDENTITY)
    refused = await resident.say("perhaps")
    assert 'or simply "yes" or "no"' in refused and "[6/9]" in refused
    replies = await resident.converse("No", "1", "y")
    assert "check your declaration" in replies[-1]
    assert "submitted" in await resident.say("1")
    assert (await Declaration.get()).contact is True


@pytest.mark.parametrize(
    ("lang", "does_not_exist", "wrong_form"),
    [
        ("zh", "日期 2026-11-31 不存在", "格式"),
        ("en", "There is no such day as 2026-11-31", "form"),
    ],
)
async def test_a_day_that_does_not_exist_is_named_not_called_the_wrong_form(
    resident: WeChatUser, lang: str, does_not_exist: str, wrong_form: str
) -> None:
    if lang == "en":
        await resident.say("English")
    await resident.say("申领")
    await resident.converse(*IDENTITY, "2", "北京")
    reply = await resident.say("2026-11-31")
    assert does_not_exist in reply and wrong_form not in reply.split("\n")[0]
    assert "2026-02-29" in await resident.say("2026年2月29日")  # 2026 is no leap year
    assert wrong_form in await resident.say("the last of November")


async def test_code_names_the_dialogue_actually_open(client) -> None:
    parent = await registered(client, "o-parent")
    await add_family(parent, "3", "张小宝", CHILD)
    menu = await parent.say("切换")
    assert "0 张*" in menu
    assert "回复选项前的数字" in await parent.say("7")  # a wrong choice keeps the menu open
    shown = await parent.say("亮码")
    assert "绿码" in shown
    assert "您正在选择出示谁的健康码" in shown and "您正在填写申报" not in shown
    await parent.say("取消")
    assert "您正在" not in await parent.say("亮码")  # nothing open: no hint
    await parent.say("申领")
    assert "您正在填写申报" in await parent.say("亮码")
    await parent.say("取消")
    await parent.say("申诉")
    assert "您正在填写申诉" in await parent.say("亮码")


@pytest.mark.parametrize(("chat", "browser"), [("zh", "en-US,en;q=0.9"), ("en", "zh-CN,zh")])
async def test_the_code_page_follows_the_chats_language_not_the_browsers(
    client, resident: WeChatUser, chat: str, browser: str
) -> None:
    if chat == "en":
        await resident.say("English")
    await resident.say("申领")
    await resident.converse(*GREEN_ANSWERS)
    match = LINK.search(await resident.say("1"))
    assert match and match[2] == chat
    page = await (await client.get(match[1], headers={"Accept-Language": browser})).text()
    ours, theirs = ("绿码", "Green code") if chat == "zh" else ("Green code", "绿码")
    assert f'<html lang="{HTML_LANG[chat]}">' in page
    assert ours in page and theirs not in page.split("<script")[0]
    # a link made before links named their language still falls back to the browser's
    bare = match[1].split("?")[0]
    fallback = await (await client.get(bare, headers={"Accept-Language": browser})).text()
    assert theirs in fallback
