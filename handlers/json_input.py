"""Reading a JSON request body that anyone can send into the struct its route declares
(``handlers.request_bodies``): bounded in size and nesting before it is parsed, refused when it
holds what no field needs, and then checked against the struct.

The checks in the order they run, each a 4xx that says what is wrong:

1. size (413): the bytes are counted as they arrive, never more than the route's bound;
2. nesting (400 ``api.too_deep``): counted on the bytes, so no parser meets ``[[[[…]]]]``;
3. JSON (400): strict UTF-8 (RFC 8259; an encoded surrogate or UTF-16 is ``api.not_json``),
   no ``NaN``/``Infinity`` and no number a float or a 4,300-digit integer cannot hold
   (``api.number_out_of_range``, anywhere in the body, read by a field or not), an object
   (``api.not_object``);
4. NUL, control characters (a tab and line breaks aside) and lone surrogates anywhere, names
   included (422 ``api.control_characters``): no field needs one, PostgreSQL refuses NUL in
   text, and logs and pages mangle both;
5. the struct (422, ``handlers.bodies``): each field's type and limits, the field named.

msgspec parses (about a sixth of ``json.loads``' time on a scan's body); the body is parsed once
into plain values for steps 3 and 4, and those are converted into the struct.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

import msgspec
from aiohttp import web

from bot.health.errors import InvalidInput
from bot.services.errors import Malformed, ServiceError
from handlers.bodies import Body, refusal, refuse_unprintable

B = TypeVar("B", bound=Body)

# Every request body is bounded by this unless its route says otherwise (a feed: its own, larger
# bound); the app's ``client_max_size`` is the same.
MAX_BODY_BYTES = 64 * 1024
# Our deepest body is three levels (a feed: {records: [{…}]}); this leaves room and no more.
MAX_DEPTH = 20
_STRING = re.compile(rb'"[^"]*"')  # once escaped backslashes and quotes are gone
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_ANY = msgspec.json.Decoder()


class BodyTooLarge(ServiceError):
    """More bytes than the route reads (413, ``handlers.errors``)."""


async def read_body(
    request: web.Request,
    kind: type[B],
    max_bytes: int = MAX_BODY_BYTES,
    unchecked: frozenset[str] = frozenset(),
    too_large: str = "api.too_large",
) -> B:
    """The body as ``kind``, read up to ``max_bytes`` (``too_large`` is the refusal's catalogue
    key). Fields named in ``unchecked`` may hold control characters (a scanned token is judged,
    never stored)."""
    return as_struct(await read_json_object(request, max_bytes, unchecked, too_large), kind)


async def read_json_object(
    request: web.Request,
    max_bytes: int = MAX_BODY_BYTES,
    unchecked: frozenset[str] = frozenset(),
    too_large: str = "api.too_large",
) -> dict[str, Any]:
    """Steps 1 to 4: the body as plain values, for a route that picks its struct by what the
    body holds (a declaration, or ``same_as_last``); ``as_struct`` then checks it."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise BodyTooLarge(too_large, max=max_bytes)
    raw = bytearray()
    async for piece in request.content.iter_chunked(MAX_BODY_BYTES):
        raw += piece
        if len(raw) > max_bytes:
            raise BodyTooLarge(too_large, max=max_bytes)
    return parse_json_object(bytes(raw), unchecked)


def parse_json_object(raw: bytes, unchecked: frozenset[str] = frozenset()) -> dict[str, Any]:
    if too_deep(raw, MAX_DEPTH):
        raise Malformed("api.too_deep", max=MAX_DEPTH)
    try:
        body = _ANY.decode(raw)
    except msgspec.ValidationError:  # 1e999, or an integer past what it parses (4,300 digits)
        raise Malformed("api.number_out_of_range") from None
    except msgspec.DecodeError:
        raise _why_not_json(raw, unchecked) from None
    if not isinstance(body, dict):
        raise Malformed("api.not_object")
    if b"\\u" in raw:
        # raw control characters are not JSON and strict UTF-8 has no surrogates: either can
        # only come from a \u escape, so without one there is none
        _refuse_unstorable(body, unchecked)
    return body


def as_struct(body: dict[str, Any], kind: type[B]) -> B:
    """Step 5: ``body`` checked against ``kind``, or the refusal its field declares."""
    try:
        struct = msgspec.convert(body, kind)
    except msgspec.ValidationError as exc:
        raise refusal(kind, exc, body) from None
    refuse_unprintable(struct)
    return struct


def too_deep(raw: bytes, limit: int) -> bool:
    """Whether brackets nest deeper than ``limit`` outside strings (checked on the bytes, so
    the parser never meets such a body)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # the common case: too few brackets to nest that deep, nothing to scan
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = _STRING.sub(b"", unescaped).translate(None, _NOT_BRACKET)
    depth = 0
    for bracket in brackets:
        if bracket in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _why_not_json(raw: bytes, unchecked: frozenset[str]) -> InvalidInput:
    """Which refusal a body msgspec could not parse earns. msgspec refuses NaN and Infinity,
    and a \\u escape of a lone surrogate, as malformed; each has had its own answer (a number
    out of range, a field's control characters), so the body is read again, on this path only,
    by the standard library, which parses both."""
    try:
        text = raw.decode("utf-8")  # strict, as msgspec's: json.loads would guess UTF-16
        body = json.loads(text, parse_constant=_constant)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return Malformed("api.not_json")
    except ValueError:  # NaN, Infinity, -Infinity
        return Malformed("api.number_out_of_range")
    if isinstance(body, dict):
        try:
            _refuse_unstorable(body, unchecked)
        except InvalidInput as refused:
            return refused
    return Malformed("api.not_json")  # not reached: both parsers refuse the same otherwise


def _constant(name: str) -> float:
    raise ValueError(name)  # NaN, Infinity, -Infinity: JSON has no such numbers


def _refuse_unstorable(body: dict[str, Any], unchecked: frozenset[str]) -> None:
    for key, value in body.items():
        if key not in unchecked and (_unstorable(key) or _unstorable(value)):
            raise InvalidInput("api.control_characters", field=key[:64])


def _unstorable(value: object) -> bool:
    """A control character (tab and line breaks aside) or a lone surrogate anywhere inside;
    iterative, though the depth is bounded already."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
