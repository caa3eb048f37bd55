"""The terminal chat client: typed lines → WeChat messages, replies → text, and one real run."""

import asyncio
import io
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.chat import (
    MENU_KEYS,
    Quit,
    Refused,
    SendEvent,
    SendImage,
    SendLocation,
    SendText,
    ShowHelp,
    default_openid,
    default_url,
    describe_status,
    main,
    message_xml,
    next_created,
    not_answering,
    parse_line,
    printable_reply,
)
from bot.settings import Settings
from bot.wechat import BadCallback, CallbackCodec, Incoming

TOKEN = "chat-test-token"
APPID = "wxchattest000001"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat's keys
ACCOUNT = "gh_0123456789ab"
OPENID = "o-chat-tester"
CREATED = 1_700_000_000
MSG_ID = 6_234_567_890_123_456_789


def _env(aes_key: str | None) -> dict[str, str]:
    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": APPID}
    if aes_key:
        env["WECHAT_AES_KEY"] = aes_key
    return env


def _through_server(codec: CallbackCodec, xml: str, mode: str) -> Incoming:
    """What the server reads from `xml` sent as the client sends it."""
    request = codec.server_request(xml, timestamp=str(CREATED), nonce="12345", mode=mode)
    q = request.query
    return codec.parse(
        request.body,
        signature=q["signature"],
        timestamp=q["timestamp"],
        nonce=q["nonce"],
        msg_signature=q.get("msg_signature"),
        encrypt_type=q.get("encrypt_type"),
    )


def _sent(line: str, mode: str = "plain") -> Incoming:
    action = parse_line(line)
    assert isinstance(action, SendText | SendEvent | SendLocation | SendImage)
    xml = message_xml(action, openid=OPENID, account=ACCOUNT, created=CREATED, msg_id=MSG_ID)
    return _through_server(CallbackCodec(TOKEN, APPID, AES_KEY), xml, mode)


# --- Typed lines ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("申领\n", SendText("申领")),
        ("  hello world  ", SendText("hello world")),
        ("//menu is text", SendText("/menu is text")),
        ("/subscribe", SendEvent("subscribe")),
        ("/menu APPLY", SendEvent("CLICK", "APPLY")),
        ("/menu show_code", SendEvent("CLICK", "SHOW_CODE")),
        ("/MENU family", SendEvent("CLICK", "FAMILY")),
        ("/location 39.0842 117.2009", SendLocation(39.0842, 117.2009)),
        ("/location 39.0842,117.2009", SendLocation(39.0842, 117.2009)),
        ("/location -33.9, -18.4", SendLocation(-33.9, -18.4)),
        ("/image", SendImage()),
        ("/help", ShowHelp()),
        ("/quit", Quit()),
    ],
)
def test_parse_line(line: str, expected: object) -> None:
    assert parse_line(line) == expected


@pytest.mark.parametrize("line", ["", "   ", "\n"])
def test_a_blank_line_sends_nothing(line: str) -> None:
    assert parse_line(line) is None


@pytest.mark.parametrize("key", MENU_KEYS)
def test_every_menu_key_is_a_click(key: str) -> None:
    assert parse_line(f"/menu {key}") == SendEvent("CLICK", key)


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/frobnicate", "unknown command /frobnicate"),
        ("/", "unknown command /"),
        ("/menu", "APPLY, SHOW_CODE, FAMILY, SWITCH, APPEAL"),
        ("/menu VIEW", "usage: /menu KEY"),
        ("/menu APPLY FAMILY", "usage: /menu KEY"),
        ("/location", "usage: /location LAT LNG"),
        ("/location 39.1", "usage: /location LAT LNG"),
        ("/location north east", "usage: /location LAT LNG"),
        ("/location 91 117", "between -90 and 90"),
        ("/location 39 181", "between -180 and 180"),
        ("/location nan 117", "between -90 and 90"),
        ("/subscribe now", "/subscribe takes no arguments"),
        ("/image cat.jpg", "/image takes no arguments"),
    ],
)
def test_bad_commands_are_refused_locally(line: str, says: str) -> None:
    action = parse_line(line)
    assert isinstance(action, Refused)
    assert says in action.reason


# --- Messages as the server reads them ------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_text_reaches_the_server_signed(mode: str) -> None:
    incoming = _sent("健康码 申领", mode)
    assert (incoming.kind, incoming.content) == ("text", "健康码 申领")
    assert (incoming.from_user, incoming.to_user) == (OPENID, ACCOUNT)
    assert (incoming.created, incoming.msg_id) == (CREATED, MSG_ID)
    assert incoming.encrypted is (mode == "safe")


def test_subscribe_is_an_event_without_msg_id() -> None:
    incoming = _sent("/subscribe")
    assert (incoming.kind, incoming.event, incoming.event_key) == ("event", "subscribe", None)
    assert incoming.msg_id == 0


def test_menu_is_a_click_with_its_key() -> None:
    incoming = _sent("/menu SWITCH", "safe")
    assert (incoming.kind, incoming.event, incoming.event_key) == ("event", "click", "SWITCH")


def test_location_is_a_location_event() -> None:
    incoming = _sent("/location 39.0842 117.2009")
    assert (incoming.kind, incoming.event) == ("event", "location")
    assert (incoming.latitude, incoming.longitude) == (39.0842, 117.2009)


def test_image_is_an_image_message() -> None:
    incoming = _sent("/image")
    assert (incoming.kind, incoming.msg_id) == ("image", MSG_ID)
    assert incoming.media_id


def test_create_time_always_moves_forward() -> None:
    assert next_created(1000.9, 0) == 1000
    assert next_created(1000.2, 1000) == 1001
    assert next_created(999.0, 1005) == 1006


# --- Replies --------------------------------------------------------------------------------


@pytest.mark.parametrize("aes_key", [None, AES_KEY])
def test_a_text_reply_is_printed_as_its_content(aes_key: str | None) -> None:
    codec = CallbackCodec(TOKEN, APPID, aes_key)
    mode = "safe" if aes_key else "plain"
    xml = message_xml(
        SendText("亮码"), openid=OPENID, account=ACCOUNT, created=CREATED, msg_id=MSG_ID
    )
    incoming = _through_server(codec, xml, mode)
    body = codec.reply_text(incoming, "您的健康码:绿码", nonce="777", timestamp=str(CREATED))
    assert ("<Encrypt>" in body) is bool(aes_key)
    assert printable_reply(codec, body) == "您的健康码:绿码"


@pytest.mark.parametrize("body", ["success", "", "success\n"])
def test_no_passive_reply_prints_nothing(body: str) -> None:
    assert printable_reply(CallbackCodec(TOKEN, APPID, AES_KEY), body) is None


def test_a_non_text_reply_is_named() -> None:
    body = (
        "<xml><ToUserName>o</ToUserName><FromUserName>gh</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>image</MsgType></xml>"
    )
    assert printable_reply(CallbackCodec(TOKEN, APPID, None), body) == "[image reply]"


def test_an_unreadable_reply_says_why() -> None:
    other = CallbackCodec("another-token", APPID, AES_KEY)
    incoming = Incoming(kind="text", from_user=OPENID, to_user=ACCOUNT, created=1, encrypted=True)
    body = other.reply_text(incoming, "hi", nonce="1", timestamp=str(CREATED))
    text = printable_reply(CallbackCodec(TOKEN, APPID, AES_KEY), body)
    assert text is not None
    assert text.startswith("could not read the reply (bad msg_signature)")
    assert printable_reply(CallbackCodec(TOKEN, APPID, None), "<html>oops") == (
        "could not read the reply (body is not XML): <html>oops"
    )


def test_describe_status_shows_status_and_a_bounded_body() -> None:
    assert describe_status(403, "forbidden\n") == "the server answered HTTP 403: forbidden"
    assert describe_status(502, "") == "the server answered HTTP 502: (empty body)"
    assert len(describe_status(500, "x" * 10_000)) < 600


# --- Defaults -------------------------------------------------------------------------------


def test_default_openid_is_stable_per_user() -> None:
    assert default_openid("alice") == "o-chat-alice"
    assert default_openid("Jean Dupont@corp") == "o-chat-Jean-Dupont-corp"
    assert default_openid("张三") == "o-chat-guest"
    assert default_openid() == default_openid()


def test_default_url_reaches_a_wildcard_bind_on_loopback() -> None:
    assert default_url(Settings(host="0.0.0.0", port=9000)) == "http://127.0.0.1:9000"
    assert default_url(Settings(host="192.168.1.5", port=8080)) == "http://192.168.1.5:8080"
    assert default_url(Settings(host="::1", port=8080)) == "http://[::1]:8080"


def test_safe_without_a_key_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--safe"], stdin=io.StringIO("hi\n"), environ=_env(None)) == 2
    assert "--safe needs WECHAT_AES_KEY" in capsys.readouterr().err


def test_a_malformed_key_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([], stdin=io.StringIO("hi\n"), environ=_env("too-short")) == 2
    assert "WECHAT_AES_KEY: the EncodingAESKey has 43 characters" in capsys.readouterr().err


# --- A whole run against a server -----------------------------------------------------------


@dataclass
class FakeBot:
    """A `POST /wechat` that checks everything as the real handler does and echoes."""

    codec: CallbackCodec
    seen: list[Incoming] = field(default_factory=list)
    timestamps: list[str] = field(default_factory=list)

    async def wechat(self, request: web.Request) -> web.Response:
        q = request.query
        try:
            incoming = self.codec.parse(
                await request.read(),
                signature=q.get("signature", ""),
                timestamp=q.get("timestamp", ""),
                nonce=q.get("nonce", ""),
                msg_signature=q.get("msg_signature"),
                encrypt_type=q.get("encrypt_type"),
            )
        except BadCallback as exc:
            return web.Response(status=403, text=f"refused: {exc}")
        self.seen.append(incoming)
        self.timestamps.append(q["timestamp"])
        if incoming.content == "boom":
            return web.Response(status=500, text="internal error")
        reply = self.codec.reply_text(
            incoming, _answer(incoming), nonce=q["nonce"], timestamp=q["timestamp"]
        )
        return web.Response(text=reply, content_type="application/xml")


def _answer(incoming: Incoming) -> str | None:
    if incoming.kind == "text":
        return "收到:" + incoming.content
    if incoming.kind == "event":
        return f"事件:{incoming.event} {incoming.event_key or ''}".rstrip()
    return None  # an image gets no passive reply: `success`


@pytest.fixture(params=[None, AES_KEY], ids=["plain", "safe"])
async def bot(request: pytest.FixtureRequest) -> AsyncIterator[tuple[FakeBot, str]]:
    fake = FakeBot(CallbackCodec(TOKEN, APPID, request.param))
    app = web.Application()
    app.router.add_post("/wechat", fake.wechat)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


SCRIPT = """\
申领

/subscribe
/menu show_code
/menu NOPE
/location 39.0842 117.2009
/image
boom
再见
/quit
this line is never sent
"""


async def test_a_piped_session(bot: tuple[FakeBot, str]) -> None:
    fake, url = bot
    stdout = io.StringIO()
    environ = _env(AES_KEY if fake.codec.safe_mode else None)
    argv = ["--url", url + "/", "--openid", OPENID]
    code = await asyncio.to_thread(
        main, argv, stdin=io.StringIO(SCRIPT), stdout=stdout, environ=environ
    )
    assert code == 0
    assert stdout.getvalue().splitlines() == [
        "收到:申领",
        "事件:subscribe",
        "事件:click SHOW_CODE",
        "usage: /menu KEY, where KEY is one of APPLY, SHOW_CODE, FAMILY, SWITCH, APPEAL",
        "事件:location",
        "the server answered HTTP 500: internal error",
        "收到:再见",
    ]
    kinds = [(m.kind, m.event) for m in fake.seen]
    assert kinds == [
        ("text", None),
        ("event", "subscribe"),
        ("event", "click"),
        ("event", "location"),
        ("image", None),
        ("text", None),
        ("text", None),
    ]
    assert {m.from_user for m in fake.seen} == {OPENID}
    assert {m.encrypted for m in fake.seen} == {fake.codec.safe_mode}
    # A fresh MsgId per message, and CreateTimes that never repeat (events dedup on them).
    msg_ids = [m.msg_id for m in fake.seen if m.kind != "event"]
    assert len(set(msg_ids)) == len(msg_ids) and all(msg_ids)
    created = [m.created for m in fake.seen]
    assert created == sorted(set(created))
    assert fake.timestamps == [str(c) for c in created]


async def test_a_server_that_is_not_running_keeps_the_loop_alive() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    stdout = io.StringIO()
    code = await asyncio.to_thread(
        main,
        ["--url", url],
        stdin=io.StringIO("hello\n/menu APPLY\n"),
        stdout=stdout,
        environ=_env(None),
    )
    assert code == 0
    assert stdout.getvalue().splitlines() == [not_answering(url)] * 2
    assert "start it with `healthcode serve`" in not_answering(url)


@pytest.mark.parametrize("seconds", ["-1", "nan", "soon"])
def test_a_bad_linger_is_refused(capsys: pytest.CaptureFixture[str], seconds: str) -> None:
    assert main(["--linger", seconds], stdin=io.StringIO("hi\n"), environ=_env(None)) == 2
    assert "--linger" in capsys.readouterr().err
