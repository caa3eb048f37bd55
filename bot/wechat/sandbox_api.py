"""The WeChat sandbox's API: answers the calls this project's WeChat client makes, as WeChat
does, and keeps every message and upload it accepts in a ``Sandbox`` (docs/development.md).

The real client (wechatpy, ``bot.wechat.api``) talks to it over HTTP, so development runs the
same code as production up to the socket: the access token, the JSON bodies, the multipart
upload, WeChat's error answers. It answers only what the project uses: ``cgi-bin/stable_token``,
customer-service, template, subscribe and mass messages, image upload and ``jscode2session``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.wechat.sandbox import IMAGE, MASS, SUBSCRIBE, TEMPLATE, TEXT, Sandbox, Upload

TOKEN_LIFETIME = 7200
MASS_SEND_MAX = 10_000
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}

SANDBOX = web.AppKey("sandbox", Sandbox)
_CREDENTIALS = web.AppKey("sandbox_credentials", dict)  # appid -> secret
_TOKENS = web.AppKey("sandbox_tokens", dict)  # appid -> its one access token
_OFFICIAL = web.AppKey("sandbox_official", str)  # the official account's appid

_ERRMSGS = {
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40005: "invalid file type",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40130: "invalid openid list size, at least two openid",
    41001: "access_token missing",
    41005: "media data missing",
    41008: "missing code",
    44002: "empty post data",
    47001: "data format error",
    48001: "api unauthorized",
}

Answer = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[Answer]]


def sandbox_api(
    sandbox: Sandbox,
    official: tuple[str, str],
    miniapp: tuple[str, str],
    middlewares: Sequence[Middleware] = (),
) -> web.Application:
    """The API for the official account's and the mini-program's (appid, secret)."""
    app = web.Application(middlewares=middlewares)
    app[SANDBOX] = sandbox
    app[_CREDENTIALS] = dict([official, miniapp])
    app[_TOKENS] = {}
    app[_OFFICIAL] = official[0]
    routes = {
        "/cgi-bin/message/custom/send": _only(official[0], _custom_send),
        "/cgi-bin/message/template/send": _only(official[0], _template_send),
        "/cgi-bin/message/mass/send": _only(official[0], _mass_send),
        "/cgi-bin/message/subscribe/send": _only(miniapp[0], _subscribe_send),
        "/cgi-bin/media/upload": _only(official[0], _media_upload),
    }
    app.router.add_post("/cgi-bin/stable_token", _answered(_stable_token))
    app.router.add_get("/sns/jscode2session", _answered(_jscode2session))
    for path, handler in routes.items():
        app.router.add_post(path, _answered(handler))
    return app


def sandbox_openid(js_code: str) -> str:
    """The openid a mini-program login code stands for: the same code, the same person."""
    return "o-sandbox-" + hashlib.sha256(js_code.encode()).hexdigest()[:18]


def _error(errcode: int) -> Answer:
    return {"errcode": errcode, "errmsg": _ERRMSGS.get(errcode, "error")}


def _answered(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response(await handler(request))

    return answer


def _only(appid: str, handler: Handler) -> Handler:
    """`handler` for callers holding a valid access token of `appid`."""

    async def checked(request: web.Request) -> Answer:
        token = request.query.get("access_token")
        if not token:
            return _error(41001)
        holder = next((a for a, t in request.app[_TOKENS].items() if t == token), None)
        if holder is None:
            return _error(40001)
        if holder != appid:
            return _error(48001)
        return await handler(request)

    return checked


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def _stable_token(request: web.Request) -> Answer:
    body = await _json_object(request) or {}
    if body.get("grant_type") != "client_credential":
        return _error(40002)
    appid, credentials = body.get("appid"), request.app[_CREDENTIALS]
    if appid not in credentials:
        return _error(40013)
    if credentials[appid] != body.get("secret"):
        return _error(40125)
    tokens = request.app[_TOKENS]
    if body.get("force_refresh") or appid not in tokens:
        tokens[appid] = "SANDBOX_" + secrets.token_urlsafe(24)
    return {"access_token": tokens[appid], "expires_in": TOKEN_LIFETIME}


async def _jscode2session(request: web.Request) -> Answer:
    query, credentials = request.query, request.app[_CREDENTIALS]
    if query.get("appid") not in credentials or query.get("appid") == request.app[_OFFICIAL]:
        return _error(40013)
    if credentials[query["appid"]] != query.get("secret"):
        return _error(40125)
    code = query.get("js_code")
    if not code:
        return _error(41008)
    # any code logs in (development has no wx.login()); its openid is derived from it
    return {"openid": sandbox_openid(code), "session_key": secrets.token_urlsafe(16)}


async def _custom_send(request: web.Request) -> Answer:
    body = await _json_object(request)
    if body is None:
        return _error(44002)
    touser, sandbox = body.get("touser"), request.app[SANDBOX]
    if not isinstance(touser, str) or not touser:
        return _error(40003)
    msgtype = body.get("msgtype")
    if msgtype == "text":
        content = (body.get("text") or {}).get("content")
        if not isinstance(content, str) or not content:
            return _error(44002)
        sandbox.record(touser, TEXT, text=content)
    elif msgtype == "image":
        media_id = (body.get("image") or {}).get("media_id")
        if not isinstance(media_id, str) or not sandbox.has_upload(media_id):
            return _error(40007)
        sandbox.record(touser, IMAGE, media_id=media_id)
    else:
        return _error(40008)
    return {"errcode": 0, "errmsg": "ok"}


async def _template_send(request: web.Request) -> Answer:
    return await _templated(request, TEMPLATE, "url")


async def _subscribe_send(request: web.Request) -> Answer:
    return await _templated(request, SUBSCRIBE, "page")


async def _templated(request: web.Request, kind: str, link: str) -> Answer:
    body = await _json_object(request)
    if body is None:
        return _error(44002)
    touser, template_id, data = body.get("touser"), body.get("template_id"), body.get("data")
    if not isinstance(touser, str) or not touser:
        return _error(40003)
    if not isinstance(template_id, str) or not template_id:
        return _error(40037)
    if not isinstance(data, dict):
        return _error(47001)
    fields = {key: _value(field) for key, field in data.items()}
    message = request.app[SANDBOX].record(
        touser, kind, template_id=template_id, data=fields, **{link: body.get(link)}
    )
    return {"errcode": 0, "errmsg": "ok", "msgid": message.id}


def _value(field: Any) -> str:
    return str(field.get("value", "")) if isinstance(field, dict) else str(field)


async def _mass_send(request: web.Request) -> Answer:
    body = await _json_object(request)
    if body is None:
        return _error(44002)
    touser = body.get("touser")
    if not isinstance(touser, list) or not 2 <= len(touser) <= MASS_SEND_MAX:
        return _error(40130)
    content = (body.get("text") or {}).get("content")
    if body.get("msgtype") != "text" or not isinstance(content, str) or not content:
        return _error(40008)
    sandbox = request.app[SANDBOX]
    for openid in dict.fromkeys(o for o in touser if isinstance(o, str) and o):
        sandbox.record(openid, MASS, text=content)
    return {"errcode": 0, "errmsg": "send job submission success", "msg_id": sandbox.last_id}


async def _media_upload(request: web.Request) -> Answer:
    if request.query.get("type") != "image":
        return _error(40004)  # the project uploads images only
    if not request.content_type.startswith("multipart/"):
        return _error(41005)
    form = await request.post()
    media = form.get("media")
    if not isinstance(media, web.FileField):
        return _error(41005)
    data = media.file.read()
    content_type = next((t for magic, t in IMAGE_TYPES.items() if data.startswith(magic)), None)
    if content_type is None:
        return _error(40005)
    media_id = "SANDBOX_MEDIA_" + secrets.token_urlsafe(24)
    request.app[SANDBOX].keep_upload(Upload(media_id, content_type, data))
    return {"type": "image", "media_id": media_id, "created_at": int(time.time())}
