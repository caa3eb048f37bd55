"""The declaration script (docs/architecture.md) through signed WeChat messages to POST /wechat."""

from __future__ import annotations

import pytest

from bot.app_state import CODEC
from models.code import CodeChange, HealthCode
from models.declaration import Declaration
from models.person import Person
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.ids import VALID_ID
from tests.support.wechat_user import WeChatUser


async def test_a_resident_declares_and_gets_a_green_code(resident: WeChatUser) -> None:
    first = await resident.say("申领")
    assert "【1/9】" in first and "姓名" in first
    replies = await resident.converse(*GREEN_ANSWERS)
    assert "【2/9】" in replies[0]
    assert "居民身份证号码" in replies[1]
    assert "手机号码" in replies[2]
    assert "1 和平区" in replies[3] and "16 蓟州区" in replies[3]
    assert "近14天是否离开本市" in replies[4]
    assert "今日症状" in replies[5]
    assert "接触过确诊或疑似病例" in replies[6]
    summary = replies[7]
    assert "1101**********002X" in summary and VALID_ID not in summary
    assert "1 确认提交" in summary and "2 重新填写" in summary and "0 取消" in summary
    done = await resident.say("1")
    assert "申报已提交" in done and "绿码" in done and "/c/" in done
    person = await Person.get()
    assert VALID_ID not in person.doc_number_sealed and "张三" not in person.name_sealed
    code = await HealthCode.get(person_id=person.id)
    assert code.color == "green"
    assert await Declaration.filter(person_id=person.id).count() == 1


@pytest.mark.parametrize(
    ("answers", "color", "reason"),
    [
        (["1", "1", "2"], "red", "接触"),
        (["1", "2 3", "1"], "orange", "发热"),
        (["2", "湖北省武汉市", "{today}", "1", "1"], "orange", "武汉"),
        (["2", "北京", "{today}", "1", "1"], "green", "体温"),
    ],
)
async def test_the_rules_decide_the_colour(
    resident: WeChatUser, runtime, answers: list[str], color: str, reason: str
) -> None:
    today = runtime.now().astimezone(runtime.ruleset.tz).date().isoformat()
    answers = [a.replace("{today}", today) for a in answers]
    reply = await declare(resident, GREEN_ANSWERS[:5] + answers)
    assert {"green": "绿码", "orange": "橙码", "red": "红码"}[color] in reply
    assert reason in reply
    assert (await HealthCode.get()).color == color


async def test_every_wrong_answer_is_reasked_with_the_reason_and_nothing_is_lost(
    resident: WeChatUser,
) -> None:
    await resident.say("申领")
    assert "至少" in await resident.say("张")
    assert "【2/9】" in await resident.say("张三")
    assert "证件类型" in await resident.say("9")
    await resident.say("1")
    wrong_checksum = VALID_ID[:-1] + "1"
    reply = await resident.say(wrong_checksum)
    assert "身份证号校验位不正确" in reply and "居民身份证号码" in reply
    assert "出生日期" in await resident.say("11010519491331002X")
    assert "【4/9】" in await resident.say(VALID_ID)
    assert "座机" in await resident.say("022-23456789")
    assert "【5/9】" in await resident.say("138 1234 5678")
    assert "区" in await resident.say("99")
    assert "【6/9】" in await resident.say("和平")
    assert "数字" in await resident.say("maybe")
    assert "从哪个城市" in await resident.say("2")
    assert "返回日期" in await resident.say("武汉")
    assert "格式" in await resident.say("yesterday")
    assert "不能晚于今天" in await resident.say("2999-01-01")
    assert "14 天前" in await resident.say("2000-01-01")


async def test_cancel_works_at_every_step(resident: WeChatUser) -> None:
    for step in range(len(GREEN_ANSWERS) + 1):
        await resident.say("申领")
        await resident.converse(*GREEN_ANSWERS[:step])
        assert "已取消" in await resident.say("取消")
        assert "没有理解" in await resident.say("1")
    assert await Person.all().count() == 0


async def test_the_summary_can_restart_or_cancel(resident: WeChatUser) -> None:
    assert "从头重新填写" in await declare(resident, GREEN_ANSWERS, confirm="2")
    assert "【2/9】" in await resident.say("李四")
    await resident.say("取消")
    assert "已取消" in await declare(resident, GREEN_ANSWERS, confirm="0")
    assert await Person.all().count() == 0


async def test_the_dialogue_survives_a_server_restart(
    aiohttp_client, settings, clock, resident: WeChatUser
) -> None:
    from tests.conftest import start_app

    await resident.say("申领")
    await resident.converse(*GREEN_ANSWERS[:3])
    await resident.client.close()
    restarted = await start_app(aiohttp_client, settings, clock)
    again = WeChatUser(restarted, restarted.app[CODEC], resident.openid)
    assert "【5/9】" in await again.say("13812345678")


async def test_code_shows_the_code_again_and_a_new_declaration_is_recorded(
    resident: WeChatUser,
) -> None:
    assert "还没有健康码" in await resident.say("亮码")
    await declare(resident, GREEN_ANSWERS)
    shown = await resident.say("亮码")
    assert "张* 的健康码" in shown and "绿码" in shown and "/c/" in shown
    changed = await declare(resident, [*GREEN_ANSWERS[:5], "1", "2", "1"])
    assert "橙码" in changed
    history = await CodeChange.all().order_by("id").values_list("old_color", "new_color")
    assert history == [(None, "green"), ("green", "orange")]


async def test_another_persons_document_is_refused(client, resident: WeChatUser) -> None:
    await declare(resident, GREEN_ANSWERS)
    stranger = WeChatUser(client, client.app[CODEC], "o-stranger")
    reply = await declare(stranger, ["李四", *GREEN_ANSWERS[1:]])
    assert "已有登记，无法登记到您的微信" in reply
    assert await Person.all().count() == 1


async def test_english_commands_and_the_help(resident: WeChatUser) -> None:
    assert "申领" in await resident.say("帮助")
    assert "Language set to English" in await resident.say("English")
    assert "[1/9]" in await resident.say("apply")
    assert "Cancelled" in await resident.say("cancel")
    assert "已切换为中文" in await resident.say("中文")
