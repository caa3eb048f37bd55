"""What a resident does in the chat, as signed WeChat messages to POST /wechat: declaring (with
the answers of a healthy resident), appealing, erasing their data; and residents made that way."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.app_state import CODEC
from bot.services.notices.appeal_answer import appeal_reply_message
from bot.services.notices.kinds import AppealReply
from bot.services.runtime import Runtime
from models.outbox import Notice
from tests.support.ids import MOTHER, VALID_ID
from tests.support.wechat_user import WeChatUser

GREEN_ANSWERS = ["张三", "1", VALID_ID, "13812345678", "1", "1", "1", "1"]
RED_ANSWERS = [*GREEN_ANSWERS[:5], "1", "1", "2"]  # contact with a case
MASKED_NAME = "张*"  # GREEN_ANSWERS' name as pages and scans show it
COMPLAINT = "我3月1日已从武汉返津并居家隔离满14天，社区已出具解除隔离证明。"


def chat_user(client: TestClient, openid: str) -> WeChatUser:
    return WeChatUser(client, client.app[CODEC], openid)


async def declare(user: WeChatUser, answers: list[str], confirm: str = "1") -> str:
    """The whole script: for someone who declared before, through 3 修改个人信息."""
    opening = await user.say("申领")
    if "上次申报的个人信息" in opening or "from the last declaration" in opening:
        await user.say("3")
    replies = await user.converse(*answers)
    assert "请核对申报信息" in replies[-1] or "check your declaration" in replies[-1]
    return await user.say(confirm)


async def erase(user: WeChatUser) -> str:
    prompt = await user.say("注销")
    assert "1 确认注销" in prompt or "1 Delete my data" in prompt, prompt
    return await user.say("1")


async def appeal(user: WeChatUser, text: str = COMPLAINT) -> str:
    prompt = await user.say("申诉")
    assert "请用一条消息说明" in prompt or "In one message" in prompt, prompt
    summary = await user.say(text)
    assert "1 确认提交" in summary or "1 Submit" in summary, summary
    return await user.say("1")


async def reply_of(rt: Runtime, appeal_id: int) -> tuple[Notice, str]:
    """The queued answer to an appeal and the text its account will read."""
    notice = await Notice.get(dedupe_key=f"appeal:{appeal_id}:reply").prefetch_related("account")
    assert notice.kind == "appeal_reply" and notice.payload == {"appeal": appeal_id}
    payload = AppealReply(notice.payload["appeal"])
    return notice, (await appeal_reply_message(rt, payload, notice.account.lang)).text


def today(rt: Runtime) -> str:
    return rt.now().astimezone(rt.ruleset.tz).date().isoformat()


async def district_resident(client: TestClient, openid: str, doc: str, district: str) -> WeChatUser:
    """A resident of the district numbered ``district`` in the chat's list (1 和平区 …)."""
    user = WeChatUser(client, client.app[CODEC], openid)
    await user.say("申领")
    await user.converse("张三", "1", doc, "13812345678", district, "1", "1", "1")
    assert "申报已提交" in await user.say("1")
    return user


async def orange_resident(client: TestClient, rt: Runtime, openid: str = "o-wuhan") -> WeChatUser:
    """A resident back from Wuhan today: an orange code."""
    user = WeChatUser(client, client.app[CODEC], openid)
    await user.say("申领")
    await user.converse("张三", "1", VALID_ID, "13812345678", "1", "2", "武汉", today(rt), "1", "1")
    assert "橙码" in await user.say("1")
    return user


async def red_resident(client: TestClient, openid: str = "o-contact") -> WeChatUser:
    """A resident who declared contact with a case: a red code."""
    user = WeChatUser(client, client.app[CODEC], openid)
    await user.say("申领")
    await user.converse("王五", "1", MOTHER, "13900000009", "1", "1", "1", "2")
    assert "红码" in await user.say("1")
    return user
