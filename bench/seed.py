"""Seed the running service through its real interfaces only: the CLI and signed WeChat messages.

Also reads a resident's current code token back from the QR image, as a checkpoint scanner does.
"""

from __future__ import annotations

import io
import re
import secrets
import time
from datetime import datetime

import aiohttp
import zxingcpp
from PIL import Image

from bot.wechat import CallbackCodec, ServerRequest, build_text_xml

ACCOUNT = "gh_healthcode00"  # the official account's id; the server does not check it
DECLARATION = [
    "申领",
    "张三",
    "1",
    "11010519491231002X",
    "13812345678",
    "1",
    "1",
    "1",
    "1",
    "1",
]
_TICKET = re.compile(r"/c/([A-Za-z0-9_-]+)")


MINIAPP_DECLARATION = {  # the chat's resident: name, document and phone match, so one person
    "name": "张三",
    "doc_type": "resident_id",
    "doc_number": "11010519491231002X",
    "phone": "13812345678",
    "district": 120101,
    "left_city": False,
    "symptoms": [],
    "contact": False,
}


async def miniapp_session(session: aiohttp.ClientSession, base_url: str) -> dict[str, str]:
    """Log a mini-program in (``wx.login``'s code through jscode2session) and claim the chat's
    resident with the same declaration; the headers that show that person's code."""
    login = {"code": secrets.token_hex(8)}
    async with session.post(f"{base_url}/api/miniapp/login", json=login) as response:
        answer = await response.json()
        if response.status != 200:
            raise RuntimeError(f"POST /api/miniapp/login answered {response.status}: {answer}")
    headers = {"Authorization": f"Bearer {answer['token']}"}
    url = f"{base_url}/api/miniapp/declarations"
    async with session.post(url, json=MINIAPP_DECLARATION, headers=headers) as response:
        if response.status != 201:
            raise RuntimeError(f"POST {url} answered {response.status}: {await response.text()}")
    return headers


def staff_token(add_staff_output: str) -> str:
    """The token from `python -m bot add-staff`: the line `token (shown once …): <token>`."""
    for line in add_staff_output.splitlines():
        if line.startswith("token"):
            return line.rsplit(" ", 1)[-1]
    raise RuntimeError(f"no token line in add-staff output: {add_staff_output!r}")


def text_message(codec: CallbackCodec, openid: str, text: str) -> ServerRequest:
    """A text message as the WeChat server posts it: fresh MsgId, signed query."""
    now = int(time.time())
    xml = build_text_xml(ACCOUNT, openid, text, msg_id=secrets.randbits(62), created=now)
    return codec.server_request(xml, timestamp=str(now), nonce=secrets.token_hex(6))


async def say(
    session: aiohttp.ClientSession, base_url: str, codec: CallbackCodec, openid: str, text: str
) -> str:
    request = text_message(codec, openid, text)
    async with session.post(f"{base_url}/wechat", params=request.query, data=request.body) as r:
        body = await r.text()
        if r.status != 200:
            raise RuntimeError(f"POST /wechat {text!r} answered {r.status}: {body[:300]}")
    reply = codec.open_reply(body)
    return reply.content if reply else ""


async def declare(
    session: aiohttp.ClientSession, base_url: str, codec: CallbackCodec, openid: str
) -> str:
    """File the declaration in a dialogue and return the ticket of the resulting code page."""
    reply = ""
    for answer in DECLARATION:
        reply = await say(session, base_url, codec, openid, answer)
    match = _TICKET.search(reply)
    if match is None:
        raise RuntimeError(f"the last declaration reply has no /c/ link: {reply!r}")
    return match.group(1)


async def code_token(session: aiohttp.ClientSession, qr_url: str) -> tuple[str, datetime]:
    """The token inside the code's QR image, and when the server issued it."""
    async with session.get(qr_url) as response:
        png = await response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {qr_url} answered {response.status}")
        issued_at = datetime.fromisoformat(response.headers["X-Issued-At"])
    found = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    if not found:
        raise RuntimeError("the QR image did not decode")
    return found[0].text, issued_at
