"""The mini-program as a phone runs it: wx.login() against the fake WeChat, then the JSON API
with the session token it gave."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp.test_utils import TestClient

from tests.fakes.wechat_api import FakeWeChat
from tests.support.districts import HEPING
from tests.support.ids import VALID_ID

API = "/api/miniapp"


def declaration(**changes: Any) -> dict[str, Any]:
    """A healthy resident's declaration; ``changes`` replace fields (None removes one)."""
    body = {
        "name": "张三",
        "doc_type": "resident_id",
        "doc_number": VALID_ID,
        "phone": "13812345678",
        "district": HEPING,
        "left_city": False,
        "symptoms": [],
        "contact": False,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def member(name: str, doc: str, **changes: Any) -> dict[str, Any]:
    return declaration(name=name, doc_number=doc, phone=None, **changes)


class MiniappUser:
    """A mini-program on a phone: ``wx.login()`` gives a code, the server a session token."""

    def __init__(self, client: TestClient, fake: FakeWeChat, openid: str) -> None:
        self.client, self.fake, self.openid = client, fake, openid
        self.token: str | None = None
        self.session_key = secrets.token_urlsafe(16)

    async def login(self, lang: str | None = None) -> dict[str, Any]:
        code = secrets.token_hex(8)
        self.fake.add_session(code, self.openid, self.session_key)
        body = {"code": code} | ({"lang": lang} if lang else {})
        status, answer = await self.call("POST", "/login", json=body, signed=False)
        assert status == 200, answer
        self.token = answer["token"]
        return answer

    async def call(
        self, method: str, path: str, *, signed: bool = True, **kwargs: Any
    ) -> tuple[int, Any]:
        headers = kwargs.pop("headers", {})
        if signed and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = await self.client.request(method, API + path, headers=headers, **kwargs)
        assert response.content_type == "application/json", await response.text()
        return response.status, await response.json()

    async def me(self) -> dict[str, Any]:
        status, answer = await self.call("GET", "/me")
        assert status == 200, answer
        return answer

    async def declare(self, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        got, answer = await self.call("POST", "/declarations", json=body)
        assert got == status, answer
        return answer

    async def code(self, person_id: str | None = None, status: int = 200) -> dict[str, Any]:
        params = {"person_id": person_id} if person_id else {}
        got, answer = await self.call("GET", "/code", params=params)
        assert got == status, answer
        return answer

    async def appeal(self, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        got, answer = await self.call("POST", "/appeals", json=body)
        assert got == status, answer
        return answer

    async def appeals(self, person_id: str | None = None, status: int = 200) -> dict[str, Any]:
        params = {"person_id": person_id} if person_id else {}
        got, answer = await self.call("GET", "/appeals", params=params)
        assert got == status, answer
        return answer


def refusal(answer: dict[str, Any], code: str, field: str | None = None) -> str:
    """The message of an error answer, after checking its shape, code and field."""
    assert set(answer) == {"error"}, answer
    error = answer["error"]
    assert error["code"] == code, error
    assert error.get("field") == field, error
    assert isinstance(error["message"], str) and error["message"], error
    return error["message"]


async def mini_user(client: TestClient, fake: FakeWeChat, openid: str) -> MiniappUser:
    user = MiniappUser(client, fake, openid)
    await user.login()
    return user
