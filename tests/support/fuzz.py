"""What the fuzz test sends: Hypothesis strategies for whole JSON bodies and whole signed
WeChat XML bodies, and the live app they are sent to from Hypothesis's (synchronous) side.

JSON: any JSON value, nested up to far past the server's bound, with NUL, lone surrogates,
huge and impossible numbers (``1e999``, ``NaN``, 5,000 digits) as raw text, huge strings, and
broken encodings; and a route's own valid body with fields replaced, dropped or added.

WeChat: every message and event type WeChat sends (and unknown ones), each field present,
missing, huge, odd or nested, in plaintext, compatible or safe mode, some bodies re-encoded
(UTF-16, GBK, Latin-1), cut short or with stray bytes.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import Counter
from typing import Any

from aiohttp.test_utils import TestClient
from hypothesis import strategies as st

from bot.wechat import CallbackCodec, sign_request

# How many cases each run sent, by database and target: printed at the end of the run.
CASES: Counter[str] = Counter()

# --- JSON --------------------------------------------------------------------------------------

_RAW = "\u0001raw:"  # a string standing for raw JSON text, put in place after json.dumps
RAW_NUMBERS = ["1e999", "-1e999", "NaN", "Infinity", "-Infinity", "9" * 5000, "-0",
               "1e-400", "123456789012345678901234567890", "2147483648", "-2147483649"]  # fmt: skip
ODD_TEXT = ["", " ", "\x00", "\ud800", "\udfff", "a\x00b", "\u202e", "\ufeff", "🧧" * 500,
            "x" * 70_000, "]]>", "<script>", "１２０１０１", "\t\r\n", "null", "true"]  # fmt: skip

texts = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=[]), max_size=40),  # surrogates too
    st.sampled_from(ODD_TEXT),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(RAW_NUMBERS).map(lambda raw: _RAW + raw),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(texts, inner, max_size=5)),
    max_leaves=12,
)


def encode(value: Any, *, ascii_only: bool = True) -> bytes:
    """``value`` as JSON bytes, raw numbers put in place; escapes keep surrogates sendable."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    for raw in RAW_NUMBERS:
        text = text.replace(json.dumps(_RAW + raw), raw)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("utf-8")


@st.composite
def whole_bodies(draw: st.DrawFn) -> bytes:
    """Any JSON text at all, and some that is not quite JSON."""
    body = encode(draw(json_values), ascii_only=draw(st.booleans()))
    depth = draw(st.sampled_from([0, 0, 0, 25, 900, 5000]))
    if depth:
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        body = opener.encode() * depth + body + closer.encode() * depth
    return draw(_spoiled(body))


@st.composite
def shaped_bodies(draw: st.DrawFn, valid: dict[str, Any]) -> bytes:
    """``valid`` with some fields replaced, dropped, or joined by unknown ones."""
    body = dict(valid)
    for key in list(body):
        choice = draw(st.sampled_from(["keep", "keep", "replace", "drop"]))
        if choice == "replace":
            body[key] = draw(json_values)
        elif choice == "drop":
            del body[key]
    for key in draw(st.lists(texts, max_size=2)):
        body[key] = draw(json_values)
    return draw(_spoiled(encode(body, ascii_only=draw(st.booleans()))))


@st.composite
def _spoiled(draw: st.DrawFn, body: bytes) -> bytes:
    how = draw(st.sampled_from(["as is"] * 6 + ["cut", "stray bytes", "utf-16", "bom", "twice"]))
    if how == "cut":
        return body[: draw(st.integers(0, max(0, len(body) - 1)))]
    if how == "stray bytes":
        return body + draw(st.binary(min_size=1, max_size=8))
    if how == "utf-16":
        return body.decode("utf-8").encode("utf-16")
    if how == "bom":
        return b"\xef\xbb\xbf" + body
    if how == "twice":
        return body + body
    return body


queries = st.dictionaries(
    st.sampled_from(["person_id", "status", "limit", "lang", "x"]) | texts, texts, max_size=3
)

# --- WeChat XML -------------------------------------------------------------------------------

EVENTS = ["subscribe", "unsubscribe", "SCAN", "LOCATION", "CLICK", "VIEW", "NoSuchEvent",
          "TEMPLATESENDJOBFINISH", "MASSSENDJOBFINISH", "scancode_push", "pic_weixin",
          "location_select", "view_miniprogram", "subscribe_msg_popup_event"]  # fmt: skip
KINDS = ["text", "image", "voice", "video", "shortvideo", "location", "link", "file", "event",
         "miniprogrampage", "unknown-kind", ""]  # fmt: skip
FIELDS = ["Content", "MsgId", "MediaId", "PicUrl", "Format", "Recognition", "ThumbMediaId",
          "Location_X", "Location_Y", "Scale", "Label", "Title", "Description", "Url", "Event",
          "EventKey", "Ticket", "Latitude", "Longitude", "Precision", "Status",
          "MsgID"]  # fmt: skip
COMMANDS = ["申领", "亮码", "代办", "切换", "申诉", "取消", "帮助", "English", "中文", "注销",
            "交接码", "1", "2", "0", "apply", "code", "family", "help", "cancel"]  # fmt: skip
_XML_TEXT = st.characters(codec="utf-8", exclude_categories=["Cs"])

field_values = st.one_of(
    st.text(alphabet=_XML_TEXT, max_size=30),
    st.sampled_from([*COMMANDS, "", "0", "-1", "nan", "inf", "1e400", "9" * 30, "x" * 60_000]),
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(str),
    st.sampled_from(["]]>", "<a>b</a>", "&lt;", "&unknown;", "\x00", "\x0b", "\ufffe"]),
)
openids = st.one_of(
    st.sampled_from(["o-fuzz-1", "o-fuzz-2", "gh_healthcode00"]),
    st.text(alphabet=_XML_TEXT, max_size=80),
    st.just("o" * 200),
)


@st.composite
def wechat_messages(draw: st.DrawFn) -> tuple[str, str]:
    """(the XML text, its sender) for one message or event, often not a well-formed one."""
    kind = draw(st.sampled_from(KINDS))
    sender = draw(openids)
    fields: list[tuple[str, str]] = [
        ("ToUserName", draw(st.sampled_from(["gh_healthcode00", "", "gh_other"]))),
        ("FromUserName", sender),
        ("CreateTime", draw(st.one_of(st.integers(0, 2**40).map(str), field_values))),
        ("MsgType", kind),
    ]
    if kind == "event":
        fields.append(("Event", draw(st.sampled_from(EVENTS) | field_values)))
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=6)):
        fields.append((name, draw(field_values)))
    kept = [f for f in fields if draw(st.integers(0, 9)) > 0]  # now and then a field is missing
    children = "".join(_element(draw, name, value) for name, value in kept)
    return f"<xml>{children}</xml>", sender


def _element(draw: st.DrawFn, name: str, value: str) -> str:
    style = draw(st.sampled_from(["cdata", "cdata", "escaped", "raw", "nested"]))
    if style == "cdata":
        return f"<{name}><![CDATA[{value.replace(']]>', ']]]]><![CDATA[>')}]]></{name}>"
    if style == "escaped":
        escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<{name}>{escaped}</{name}>"
    if style == "nested":
        return f"<{name}><{name}>{value}</{name}></{name}>"
    return f"<{name}>{value}</{name}>"


@st.composite
def wechat_bodies(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """(xml, sender, mode, how the bytes are spoiled)."""
    xml, sender = draw(wechat_messages())
    mode = draw(st.sampled_from(["plain", "plain", "compatible", "safe"]))
    spoil = "as is"
    if mode == "plain":
        spoil = draw(st.sampled_from(["as is"] * 6 + ["utf-16", "gbk", "latin-1", "cut", "bytes"]))
    return xml, sender, mode, spoil


def signed_call(
    codec: CallbackCodec, token: str, xml: str, sender: str, mode: str, spoil: str, now: int
) -> tuple[dict[str, str], bytes]:
    """The query and body the WeChat server would post for ``xml`` (then spoiled)."""
    nonce = secrets.token_hex(6)
    if mode != "plain":
        request = codec.server_request(xml, timestamp=str(now), nonce=nonce, mode=mode)
        return request.query | {"openid": sender}, request.body
    query = {
        "signature": sign_request(token, str(now), nonce),
        "timestamp": str(now),
        "nonce": nonce,
        "openid": sender,
    }
    body = xml.encode("utf-8")
    if spoil in ("utf-16", "gbk", "latin-1"):
        body = xml.encode(spoil, errors="replace")
    elif spoil == "cut":
        body = body[: len(body) // 2]
    elif spoil == "bytes":
        body = body[:10] + b"\xff\xfe\x80" + body[10:]
    return query, body


class LiveApp:
    """The test's app, called from Hypothesis's thread through the test's event loop."""

    def __init__(self, client: TestClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client, self.loop = client, loop

    def request(self, method: str, path: str, **kwargs: Any) -> tuple[int, bytes]:
        async def go() -> tuple[int, bytes]:
            response = await self.client.request(method, path, allow_redirects=False, **kwargs)
            return response.status, await response.read()

        return asyncio.run_coroutine_threadsafe(go(), self.loop).result(timeout=60)
