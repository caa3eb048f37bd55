"""A code read and scanned as a checkpoint does: the ticket of the code page from the chat's
reply, its QR image decoded back to the token, POST /api/checkpoint/scan with a staff token."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.qr import decode_qr
from tests.support.wechat_user import WeChatUser

SCAN = "/api/checkpoint/scan"


LINK = re.compile(r"/c/([A-Za-z0-9_-]+)")


async def ticket_after(resident: WeChatUser, answers: list[str] = GREEN_ANSWERS) -> str:
    """Declare through the chat; the ticket of the code page link in the reply."""
    reply = await declare(resident, answers)
    match = LINK.search(reply)
    assert match, reply
    return match[1]


async def qr_token(client: TestClient, ticket: str) -> str:
    response = await client.get(f"/c/{ticket}/qr.png")
    assert response.status == 200
    assert response.content_type == "image/png"
    return decode_qr(await response.read())


async def scanned_token(client: TestClient, resident: WeChatUser, answers=GREEN_ANSWERS) -> str:
    return await qr_token(client, await ticket_after(resident, answers))


async def post_scan(
    client: TestClient, staff_token: str | None, body: Any = None, **kwargs: Any
) -> ClientResponse:
    headers = dict(kwargs.pop("headers", {}))
    if staff_token:
        headers["Authorization"] = f"Bearer {staff_token}"
    if body is not None:
        kwargs["json"] = body
    return await client.post(SCAN, headers=headers, **kwargs)


async def scan_ok(client: TestClient, staff_token: str, **body: Any) -> dict[str, Any]:
    response = await post_scan(client, staff_token, body)
    assert response.status == 200, await response.text()
    return await response.json()


async def assert_error(response: ClientResponse, status: int) -> dict[str, Any]:
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    body = await response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert {"code", "message"} <= set(error) <= {"code", "message", "field"}
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error
