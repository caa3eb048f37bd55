"""Reading a JSON request body that anyone can send: bounded in size and nesting before it is
parsed, and refused when it holds what no field needs.

``json.loads`` recurses once per level of nesting (a body ``[[[[…]]]]`` 900 deep raised
``RecursionError``), reads a 5,000-digit number into a ``ValueError`` of its own, and takes
``NaN`` and ``1e999`` as floats no field can mean. Each is a 400 that says what is wrong,
decided before any handler sees the body; so is a NUL or a lone surrogate anywhere in it (no
field needs one, PostgreSQL refuses NUL in text, and logs and pages mangle both).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from aiohttp import web

from bot.health.errors import InvalidInput
from bot.services.errors import Malformed, ServiceError

# Every request body is bounded by this unless its route says otherwise (a feed: its own, larger
# bound); the app's ``client_max_size`` is the same.
MAX_BODY_BYTES = 64 * 1024
# Our deepest body is three levels (a feed: {records: [{…}]}); this leaves room and no more.
MAX_DEPTH = 20
_STRING = re.compile(rb'"[^"]*"')  # once escaped backslashes and quotes are gone
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


class BodyTooLarge(ServiceError):
    """More bytes than the route reads (413, ``handlers.errors``)."""


async def read_json_object(
    request: web.Request,
    max_bytes: int,
    unchecked: frozenset[str] = frozenset(),
    too_large: str = "api.too_large",
) -> dict[str, Any]:
    """The body as a JSON object, read up to ``max_bytes`` (past the app's own bound when the
    route's is larger; ``too_large`` is the refusal's catalogue key). Fields named in
    ``unchecked`` may hold control characters (a scanned token is judged, never stored)."""
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
        # UTF-8 only, strictly (RFC 8259): json.loads would guess UTF-16 from the bytes and
        # decode with "surrogatepass", letting an encoded lone surrogate through
        text = raw.decode("utf-8")
        body = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Malformed("api.not_json") from exc
    except ValueError as exc:  # NaN, 1e999, or an integer of more than 4,300 digits
        raise Malformed("api.number_out_of_range") from exc
    if not isinstance(body, dict):
        raise Malformed("api.not_object")
    if "\\u" not in text:
        # the parser (strict) refuses raw control characters in strings, and strict UTF-8 has
        # no surrogates: either can only come from a \u escape, so without one there is none
        return body
    for key, value in body.items():
        if key not in unchecked and (_unstorable(key) or _unstorable(value)):
            raise InvalidInput("api.control_characters", field=key[:64])
    return body


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


def _no_constant(name: str) -> float:
    raise ValueError(name)  # NaN, Infinity, -Infinity: JSON has no such numbers


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise ValueError(text)
    return value
