"""The few WeChat APIs the benches call, on loopback in the bench's own process.

- ``jscode2session``: any code logs a mini-program in as the openid ``o-bench-<code>``, so the
  HTTP bench can log in through the service's own ``POST /api/miniapp/login``;
- ``cgi-bin/stable_token`` (what the gateway asks for) and ``cgi-bin/token``;
- ``message/custom/send`` and ``message/template/send``: the notice-dispatch bench's messages,
  counted, and for each template message the recipient and what it said (``keyword2``), so the
  bench can check that nothing was lost and nobody was told twice.

Every other path answers WeChat's "invalid credential" (40001): a bench that calls something
else finds out at once.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

APPID, SECRET = "wxbenchofficial0000", "bench-official-secret"
MINIAPP_APPID, MINIAPP_SECRET = "wxbenchminiapp0000", "bench-miniapp-secret"
CUSTOM_SEND = "cgi-bin/message/custom/send"
TEMPLATE_SEND = "cgi-bin/message/template/send"
_TOKEN = secrets.token_urlsafe(24)


@dataclass
class Stub:
    base_url: str  # WECHAT_API_BASE
    texts_sent: int = 0
    templates: list[tuple[str, str]] = field(default_factory=list)  # (touser, keyword2)


async def _jscode2session(request: web.Request) -> web.Response:
    code = request.query.get("js_code", "")
    if not code:
        return web.json_response({"errcode": 40029, "errmsg": "invalid code"})
    return web.json_response(
        {"openid": f"o-bench-{code}", "session_key": secrets.token_urlsafe(16)}
    )


async def _token(request: web.Request) -> web.Response:
    return _token_for(request.query.get("secret"))


async def _stable_token(request: web.Request) -> web.Response:
    return _token_for((await request.json()).get("secret"))


def _token_for(secret: str | None) -> web.Response:
    if secret != SECRET:
        return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
    return web.json_response({"access_token": _TOKEN, "expires_in": 7200})


def _custom_send(stub: Stub):
    async def send(request: web.Request) -> web.Response:
        if request.query.get("access_token") != _TOKEN:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        body = await request.json()
        if body.get("msgtype") != "text" or not body.get("touser"):
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        stub.texts_sent += 1
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    return send


def _template_send(stub: Stub):
    async def send(request: web.Request) -> web.Response:
        if request.query.get("access_token") != _TOKEN:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        body = await request.json()
        if not body.get("touser") or not body.get("template_id"):
            return web.json_response({"errcode": 40037, "errmsg": "invalid template_id"})
        said = (body.get("data") or {}).get("keyword2", {}).get("value", "")
        stub.templates.append((body["touser"], said))
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": len(stub.templates)})

    return send


async def _refuse(_request: web.Request) -> web.Response:
    return web.json_response({"errcode": 40001, "errmsg": "not part of the bench"})


@asynccontextmanager
async def running(port: int) -> AsyncIterator[Stub]:
    stub = Stub(f"http://127.0.0.1:{port}/")
    app = web.Application()
    app.add_routes(
        [
            web.get("/sns/jscode2session", _jscode2session),
            web.get("/cgi-bin/token", _token),
            web.post("/cgi-bin/stable_token", _stable_token),
            web.post(f"/{CUSTOM_SEND}", _custom_send(stub)),
            web.post(f"/{TEMPLATE_SEND}", _template_send(stub)),
            web.route("*", "/{path:.*}", _refuse),
        ]
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield stub
    finally:
        await runner.cleanup()
