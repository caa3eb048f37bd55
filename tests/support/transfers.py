"""Issuing and entering a 交接码 as residents do: in the chat (signed WeChat messages) or in the
mini-program (its JSON API)."""

from __future__ import annotations

import re
from typing import Any

from tests.support.wechat_user import WeChatUser

CODE = re.compile(r"\b([0-9A-Z]{4}-[0-9A-Z]{4})\b")


def code_in(reply: str) -> str:
    found = CODE.search(reply)
    assert found, reply
    return found[1]


async def issue_in_chat(user: WeChatUser, *choices: str) -> str:
    """交接码, then 2 (make one) and ``choices`` (whom, what for): the code the reply shows."""
    menu = await user.say("交接码")
    assert "2 生成交接码" in menu, menu
    replies = await user.converse("2", *choices)
    assert "有效期至" in replies[-1], replies[-1]
    return code_in(replies[-1])


async def redeem_in_chat(user: WeChatUser, code: str, answer: str) -> str:
    """交接码 <code> in one message, then ``answer`` (1 to confirm a hand-over, a relation's
    number to become a guardian): the last reply."""
    offer = await user.say(f"交接码 {code}")
    assert "这是" in offer and "的交接码" in offer, offer
    return await user.say(answer)


async def issue_in_miniapp(
    mini: Any, purpose: str, person_id: str | None = None, status: int = 201
) -> dict[str, Any]:
    body = {"purpose": purpose} | ({"person_id": person_id} if person_id else {})
    got, answer = await mini.call("POST", "/transfer-codes", json=body)
    assert got == status, answer
    return answer


async def redeem_in_miniapp(
    mini: Any, code: str, relation: str | None = None, status: int = 201
) -> dict[str, Any]:
    body = {"code": code} | ({"relation": relation} if relation else {})
    got, answer = await mini.call("POST", "/transfers", json=body)
    assert got == status, answer
    return answer
