"""JSON answers encoded with orjson: in a twentieth of the standard library's time (a code
page's refresh, whose QR travels as a data URL: 7 µs against 0.3 µs on this machine;
bench/README.md, "cheap wins"). Bodies are read by ``handlers.json_input``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import orjson
from aiohttp import web


def json_response(
    data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    try:
        # OPT_NON_STR_KEYS: integer keys (adcodes) become strings, as the standard library does
        body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError:
        # orjson refuses a lone surrogate, which a client can send (a refusal names the field it
        # was sent under); the standard library writes it as a \u escape, valid JSON text
        body = json.dumps(data, default=_iso_or_text).encode()
    return web.Response(body=body, status=status, headers=headers, content_type="application/json")


def _iso_or_text(value: object) -> str:
    """What orjson would have written for the values our answers hold besides JSON's own."""
    return value.isoformat() if isinstance(value, date) else str(value)
