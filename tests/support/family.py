"""Family members a resident declares for (代办), in the chat; and a family on both channels."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp.test_utils import TestClient

from bot.app_state import CODEC
from tests.fakes.wechat_api import FakeWeChat
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.ids import CHILD
from tests.support.miniapp import MiniappUser, declaration, mini_user
from tests.support.wechat_user import WeChatUser

HEALTHY = ["1", "1", "1", "1"]  # district 1, stayed, no symptoms, no contact


def member_answers(name: str, doc: str, phone: str = "0") -> list[str]:
    return [name, "1", doc, phone, *HEALTHY]


async def add_family(user: WeChatUser, relation: str, name: str, doc: str, **kw) -> str:
    first = await user.say("代办")
    assert "1 配偶" in first, first
    await user.say(relation)
    replies = await user.converse(*member_answers(name, doc, **kw))
    assert "为您的" in replies[-1], replies[-1]
    done = await user.say("1")
    assert "已为" in done and "提交申报" in done, done
    return done


async def registered(
    client, openid: str, name: str = "张三", doc: str = GREEN_ANSWERS[2], phone: str = "13812345678"
) -> WeChatUser:
    user = WeChatUser(client, client.app[CODEC], openid)
    await declare(user, [name, "1", doc, phone, *HEALTHY])
    return user


@dataclass
class Family:
    chat: WeChatUser  # the parent in the chat
    mini: MiniappUser  # the same parent in the mini-program
    child_id: str


async def family(client: TestClient, fake: FakeWeChat) -> Family:
    """A parent (张三, with a phone) who registered their child 张小宝 (no phone) in the chat,
    and uses the mini-program too."""
    parent = await registered(client, "o-parent")
    await add_family(parent, "3", "张小宝", CHILD)
    mini = await mini_user(client, fake, "mini-parent")
    await mini.declare(declaration())  # the same name, document and phone: the same person
    child_id = (await mini.me())["family"][0]["person_id"]
    return Family(parent, mini, child_id)
