"""A fake WeChat API server on loopback, for the real wechatpy client to talk to over HTTP.

It answers like api.weixin.qq.com for the calls this project makes (tokens, customer-service,
template, subscribe and mass messages, media upload, jscode2session), checks the access token
on every call, records every call, and lets a test script failures, delays and daily quotas
(45009 once an API's calls of the day are spent, until midnight Beijing time).

In-process: `FakeWeChat().app()` behind `aiohttp.test_utils.TestServer` (the `fake_wechat`
fixture of tests/conftest.py).
Out of process: `python -m tests.fakes.wechat_api --port N`; `/_fake/calls` then lists the calls
and `/_fake/fail`, `/_fake/sessions`, `/_fake/expire` script it over HTTP.
"""

import argparse
import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import secrets
import signal
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

OFFICIAL_APPID = "wxfake0fficial00001"
OFFICIAL_SECRET = "fake-official-secret"
MINIAPP_APPID = "wxfakeminiapp000001"
MINIAPP_SECRET = "fake-miniapp-secret"

TOKEN_LIFETIME = 7200
# A new cgi-bin/token leaves the previous one valid for five more minutes, as WeChat does.
TOKEN_GRACE = 300
MASS_SEND_MAX = 10_000
IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"BM")
SUBSCRIBE_LIMITS = {"thing": 20, "phrase": 5}
TOKEN_PATHS = frozenset({"/cgi-bin/token", "/cgi-bin/stable_token"})
# the send APIs, by which tests read what was sent (``FakeWeChat.sent(CUSTOM_SEND)``)
CUSTOM_SEND = "/cgi-bin/message/custom/send"
TEMPLATE_SEND = "/cgi-bin/message/template/send"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"
MASS_SEND = "/cgi-bin/message/mass/send"
# WeChat's daily quotas start again at midnight in Beijing.
QUOTA_DAY = ZoneInfo("Asia/Shanghai")

ERRMSGS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40005: "invalid file type",
    40007: "invalid media_id",
    40008: "invalid message type",
    40009: "invalid image size",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40130: "invalid openid list size, at least two openid",
    40163: "code been used",
    41001: "access_token missing",
    41005: "media data missing",
    41008: "missing code",
    42001: "access_token expired",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit, must slower, retry next minute",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    45065: "clientmsgid exist",
    47001: "data format error",
    47003: "argument invalid!",
    48001: "api unauthorized",
}

Answer = dict[str, Any]


def error(errcode: int, detail: str = "") -> Answer:
    """WeChat's error answer, with its `rid` hint like the real one."""
    message = ERRMSGS.get(errcode, "error") + (f" {detail}" if detail else "")
    return {"errcode": errcode, "errmsg": f"{message} rid: {secrets.token_hex(4)}"}


@dataclass
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    """One request as the fake saw it; `errcode` is what it answered (0 for success)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any = None
    files: dict[str, UploadedFile] = field(default_factory=dict)
    appid: str | None = None
    errcode: int = 0

    def as_json(self) -> dict[str, Any]:
        files = {
            name: {**vars(f), "data": base64.b64encode(f.data).decode()}
            for name, f in self.files.items()
        }
        return {**vars(self), "files": files}


@dataclass
class _Script:
    """A scripted answer for a path: an errcode, or an HTTP status when `http` is set."""

    errcode: int
    remaining: int | None
    http: bool = False

    def take(self) -> bool:
        if self.remaining is not None:
            self.remaining -= 1
        return self.remaining is None or self.remaining >= 0


@dataclass
class _Token:
    appid: str
    valid_until: float


class FakeWeChat:
    """The fake platform's state: apps, tokens, sessions, uploads and every call received."""

    def __init__(
        self,
        *,
        official: tuple[str, str] = (OFFICIAL_APPID, OFFICIAL_SECRET),
        miniapp: tuple[str, str] = (MINIAPP_APPID, MINIAPP_SECRET),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.official_appid, self.miniapp_appid = official[0], miniapp[0]
        self.secrets = dict([official, miniapp])
        self.clock = clock
        self.base_url = ""
        self.calls: list[Call] = []
        self.media: dict[str, UploadedFile] = {}
        self.sessions: dict[str, dict[str, str]] = {}
        self.unfollowed: set[str] = set()
        self._tokens: dict[str, _Token] = {}
        self._stable: dict[str, str] = {}
        self.used_codes: set[str] = set()
        self.mass_sent: dict[str, int] = {}
        self._scripts: dict[str, deque[_Script]] = {}
        self._delays: dict[str, float] = {}
        self._quotas: dict[str, int] = {}
        self._spent: Counter[tuple[str, date]] = Counter()
        self._ids = itertools.count(1_000_001)

    # --- scripting, for tests -------------------------------------------------------------

    def fail_next(self, path: str, errcode: int, times: int | None = 1) -> None:
        """Answer the next `times` calls to `path` with `errcode` (None: every call)."""
        self._scripts.setdefault(_path(path), deque()).append(_Script(errcode, times))

    def fail_http(self, path: str, status: int, times: int | None = 1) -> None:
        """Answer the next `times` calls to `path` with a bare HTTP `status` (a broken gateway)."""
        self._scripts.setdefault(_path(path), deque()).append(_Script(status, times, http=True))

    def delay(self, path: str, seconds: float) -> None:
        """Wait `seconds` before answering each call to `path` ("*" for every path)."""
        self._delays[path if path == "*" else _path(path)] = seconds

    def set_daily_quota(self, path: str, calls: int) -> None:
        """Allow `calls` successful calls to `path` a day; after them, 45009 until midnight."""
        self._quotas[_path(path)] = calls

    def add_session(
        self, js_code: str, openid: str, session_key: str = "", unionid: str | None = None
    ) -> None:
        """Make `js_code` log in as `openid` once (jscode2session), like a wx.login() code."""
        session = {"openid": openid, "session_key": session_key or secrets.token_urlsafe(16)}
        if unionid:
            session["unionid"] = unionid
        self.sessions[js_code] = session

    def expire_tokens(self) -> None:
        """Every access token issued so far now answers 42001."""
        for token in self._tokens.values():
            token.valid_until = min(token.valid_until, self.clock() - 1)

    # --- reading what happened ---------------------------------------------------------------

    @property
    def token_requests(self) -> int:
        return sum(1 for call in self.calls if call.path in TOKEN_PATHS)

    def calls_to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == _path(path)]

    def sent(self, path: str) -> list[Any]:
        """The JSON bodies of the calls to `path` that succeeded."""
        return [call.json for call in self.calls_to(path) if call.errcode == 0]

    # --- the server ----------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=IMAGE_MAX_BYTES + 64 * 1024)
        app.router.add_get("/_fake/calls", self._list_calls)
        app.router.add_post("/_fake/fail", self._script_failure)
        app.router.add_post("/_fake/sessions", self._script_session)
        app.router.add_post("/_fake/expire", self._script_expiry)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        call = await _recorded(request)
        self.calls.append(call)
        await asyncio.sleep(self._delays.get(call.path, self._delays.get("*", 0.0)))
        endpoint = ENDPOINTS.get(call.path)
        if endpoint is None:
            call.errcode = 404
            return web.Response(status=404, text="not found")
        script = self._scripted(call.path)
        if script is not None and script.http:
            call.errcode = script.errcode
            return web.Response(status=script.errcode, text="<html>bad gateway</html>")
        answer = self._answer(call, endpoint, script)
        call.errcode = int(answer.get("errcode", 0))
        return web.json_response(answer)

    def _answer(self, call: Call, endpoint: "Endpoint", script: _Script | None) -> Answer:
        needs_token, handler = endpoint
        if needs_token:
            refused = self._check_token(call)
            if refused is not None:
                return refused
        if script is not None:
            return error(script.errcode)
        spent = (call.path, datetime.fromtimestamp(self.clock(), QUOTA_DAY).date())
        if call.path in self._quotas and self._spent[spent] >= self._quotas[call.path]:
            return error(45009)
        answer = handler(self, call)
        if not answer.get("errcode"):
            self._spent[spent] += 1
        return answer

    def _scripted(self, path: str) -> _Script | None:
        queue = self._scripts.get(path)
        while queue:
            script = queue[0]
            if script.take():
                return script
            queue.popleft()
        return None

    def _check_token(self, call: Call) -> Answer | None:
        value = call.query.get("access_token")
        if not value:
            return error(41001)
        token = self._tokens.get(value)
        if token is None:
            return error(40001)
        if token.valid_until <= self.clock():
            return error(42001)
        call.appid = token.appid
        return None

    # --- tokens --------------------------------------------------------------------------------

    def issue_token(self, appid: str) -> str:
        """A `cgi-bin/token`: the previous ones of `appid` stay valid for the grace period."""
        now = self.clock()
        for token in self._tokens.values():
            if token.appid == appid and token.valid_until > now + TOKEN_GRACE:
                token.valid_until = now + TOKEN_GRACE
        return self._new_token(appid)

    def stable_token(self, appid: str, *, force_refresh: bool) -> str:
        """A `cgi-bin/stable_token`: the same token to every caller while it is valid."""
        current = self._tokens.get(self._stable.get(appid, ""))
        if current is not None and current.valid_until > self.clock() and not force_refresh:
            return self._stable[appid]
        if current is not None:
            current.valid_until = self.clock() - 1
        self._stable[appid] = self._new_token(appid)
        return self._stable[appid]

    def token_lifetime(self, token: str) -> int:
        return int(self._tokens[token].valid_until - self.clock())

    def _new_token(self, appid: str) -> str:
        token = "FAKE_" + secrets.token_urlsafe(24)
        self._tokens[token] = _Token(appid, self.clock() + TOKEN_LIFETIME)
        return token

    def next_id(self) -> int:
        return next(self._ids)

    # --- control endpoints, for a fake running in its own process ------------------------------

    async def _list_calls(self, request: web.Request) -> web.Response:
        return web.json_response([call.as_json() for call in self.calls])

    async def _script_failure(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.fail_next(body["path"], int(body["errcode"]), body.get("times", 1))
        return web.json_response({"ok": True})

    async def _script_session(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.add_session(
            body["js_code"], body["openid"], body.get("session_key", ""), body.get("unionid")
        )
        return web.json_response({"ok": True})

    async def _script_expiry(self, request: web.Request) -> web.Response:
        self.expire_tokens()
        return web.json_response({"ok": True})


def _path(path: str) -> str:
    return "/" + path.lstrip("/")


async def _recorded(request: web.Request) -> Call:
    call = Call(request.method, request.path, dict(request.query))
    if request.content_type.startswith("multipart/"):
        call.files = await _files(request)
    else:
        raw = await request.read()
        call.json = _json_or_none(raw)
    return call


async def _files(request: web.Request) -> dict[str, UploadedFile]:
    files = {}
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            data = value.file.read()
            files[name] = UploadedFile(name, value.filename, value.content_type, data)
    return files


def _json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {"__invalid__": raw.decode("utf-8", "replace")}


# --- endpoints: each takes the fake and the call, returns WeChat's JSON answer -------------------


def _token(fake: FakeWeChat, call: Call) -> Answer:
    query = call.query
    refused = _credentials(fake, query.get("appid"), query.get("secret"), query.get("grant_type"))
    if refused is not None:
        return refused
    token = fake.issue_token(query["appid"])
    return {"access_token": token, "expires_in": TOKEN_LIFETIME}


def _stable_token(fake: FakeWeChat, call: Call) -> Answer:
    body = call.json if isinstance(call.json, dict) else {}
    appid, secret = body.get("appid"), body.get("secret")
    refused = _credentials(fake, appid, secret, body.get("grant_type"))
    if refused is not None:
        return refused
    token = fake.stable_token(str(appid), force_refresh=bool(body.get("force_refresh")))
    return {"access_token": token, "expires_in": fake.token_lifetime(token)}


def _credentials(fake: FakeWeChat, appid: Any, secret: Any, grant_type: Any) -> Answer | None:
    if grant_type != "client_credential":
        return error(40002)
    if appid not in fake.secrets:
        return error(40013)
    if fake.secrets[appid] != secret:
        return error(40125)
    return None


def _custom_send(fake: FakeWeChat, call: Call) -> Answer:
    body = call.json
    if not isinstance(body, dict):
        return error(44002)
    touser = body.get("touser")
    if not isinstance(touser, str) or not touser:
        return error(40003)
    if touser in fake.unfollowed:
        return error(43004)
    return _message_content(fake, body)


def _message_content(fake: FakeWeChat, body: dict[str, Any]) -> Answer:
    msgtype = body.get("msgtype")
    if msgtype == "text":
        content = (body.get("text") or {}).get("content")
        return {"errcode": 0, "errmsg": "ok"} if content else error(44002)
    if msgtype == "image":
        media_id = (body.get("image") or {}).get("media_id")
        return {"errcode": 0, "errmsg": "ok"} if media_id in fake.media else error(40007)
    return error(40008)


def _template_send(fake: FakeWeChat, call: Call) -> Answer:
    body = call.json
    if call.appid != fake.official_appid:
        return error(48001)
    if not isinstance(body, dict):
        return error(44002)
    if not body.get("touser"):
        return error(40003)
    if body["touser"] in fake.unfollowed:
        return error(43004)
    if not body.get("template_id"):
        return error(40037)
    if not isinstance(body.get("data"), dict):
        return error(47001)
    return {"errcode": 0, "errmsg": "ok", "msgid": fake.next_id()}


def _subscribe_send(fake: FakeWeChat, call: Call) -> Answer:
    body = call.json
    if call.appid != fake.miniapp_appid:
        return error(48001)
    if not isinstance(body, dict):
        return error(44002)
    if not body.get("touser"):
        return error(40003)
    if not body.get("template_id"):
        return error(40037)
    data = body.get("data")
    if not isinstance(data, dict):
        return error(47001)
    for key, value in data.items():
        limit = SUBSCRIBE_LIMITS.get(key.rstrip("0123456789"))
        text = value.get("value") if isinstance(value, dict) else None
        if not isinstance(text, str) or (limit and len(text) > limit):
            return error(47003, f"data.{key}.value invalid")
    return {"errcode": 0, "errmsg": "ok", "msgid": fake.next_id()}


def _mass_send(fake: FakeWeChat, call: Call) -> Answer:
    body = call.json
    if call.appid != fake.official_appid:
        return error(48001)
    if not isinstance(body, dict):
        return error(44002)
    touser = body.get("touser")
    if not isinstance(touser, list) or not 2 <= len(touser) <= MASS_SEND_MAX:
        return error(40130)
    if body.get("msgtype") != "text" or not (body.get("text") or {}).get("content"):
        return error(40008)
    # Without a clientmsgid WeChat dedupes on a digest of the recipients and the content.
    key = body.get("clientmsgid") or _digest(sorted(touser), body["text"]["content"])
    if key in fake.mass_sent:
        return {**error(45065), "msg_id": fake.mass_sent[key]}
    msg_id = fake.mass_sent[key] = fake.next_id()
    return {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id}


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _media_upload(fake: FakeWeChat, call: Call) -> Answer:
    if call.query.get("type") not in {"image", "voice", "video", "thumb"}:
        return error(40004)
    upload = call.files.get("media")
    if upload is None or not upload.data:
        return error(41005)
    if call.query["type"] == "image":
        if not upload.data.startswith(IMAGE_MAGIC):
            return error(40005)
        if len(upload.data) > IMAGE_MAX_BYTES:
            return error(40009)
    media_id = "MEDIA_" + secrets.token_urlsafe(24)
    fake.media[media_id] = upload
    return {"type": call.query["type"], "media_id": media_id, "created_at": int(fake.clock())}


def _jscode2session(fake: FakeWeChat, call: Call) -> Answer:
    query = call.query
    if query.get("appid") != fake.miniapp_appid:
        return error(40013)
    if fake.secrets.get(fake.miniapp_appid) != query.get("secret"):
        return error(40125)
    if query.get("grant_type") != "authorization_code":
        return error(40002)
    code = query.get("js_code")
    if not code:
        return error(41008)
    if code in fake.used_codes:
        return error(40163)
    if code not in fake.sessions:
        return error(40029)
    fake.used_codes.add(code)
    # A successful answer carries no errcode at all, as WeChat's does.
    return dict(fake.sessions[code])


Endpoint = tuple[bool, Callable[[FakeWeChat, Call], Answer]]

ENDPOINTS: Mapping[str, Endpoint] = {
    "/cgi-bin/token": (False, _token),
    "/cgi-bin/stable_token": (False, _stable_token),
    CUSTOM_SEND: (True, _custom_send),
    TEMPLATE_SEND: (True, _template_send),
    SUBSCRIBE_SEND: (True, _subscribe_send),
    MASS_SEND: (True, _mass_send),
    "/cgi-bin/media/upload": (True, _media_upload),
    "/sns/jscode2session": (False, _jscode2session),
}


# --- running it as its own process ---------------------------------------------------------------


async def serve(fake: FakeWeChat, host: str, port: int) -> Callable[[], Awaitable[None]]:
    """Start the fake on host:port (0: any free port); sets `fake.base_url`, returns a stopper."""
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    fake.base_url = f"http://{bound_host}:{bound_port}/"
    return runner.cleanup


async def _main(args: argparse.Namespace) -> None:
    fake = FakeWeChat(
        official=(args.appid, args.secret), miniapp=(args.miniapp_appid, args.miniapp_secret)
    )
    for mapping in args.session:
        code, _, openid = mapping.partition("=")
        fake.add_session(code, openid)
    stop = await serve(fake, args.host, args.port)
    print(f"fake WeChat API on {fake.base_url}", flush=True)
    stopping = asyncio.Event()
    # An end-to-end test ends the fake with SIGTERM: close the server cleanly then too.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        await stopping.wait()
    finally:
        await stop()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--appid", default=OFFICIAL_APPID)
    parser.add_argument("--secret", default=OFFICIAL_SECRET)
    parser.add_argument("--miniapp-appid", default=MINIAPP_APPID)
    parser.add_argument("--miniapp-secret", default=MINIAPP_SECRET)
    parser.add_argument(
        "--session", action="append", default=[], metavar="JS_CODE=OPENID", help="a login code"
    )
    return parser.parse_args()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(_arguments()))
