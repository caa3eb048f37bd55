"""Checkpoint staff: ``POST /api/checkpoint/scan`` with the token read from a resident's QR."""

from __future__ import annotations

import re

from aiohttp import web

from bot.appkeys import LIMITS, RUNTIME
from bot.health.errors import InvalidInput
from bot.metrics import RATE_LIMITED, SCANS
from bot.services.errors import TooFast
from bot.services.scan import parse_temperature, scan
from bot.services.staff import authenticate
from handlers.auth import bearer_token
from handlers.errors import json_body
from handlers.responses import json_response

MAX_TOKEN_LENGTH = 512
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


async def scan_code(request: web.Request) -> web.Response:
    staff = await authenticate(request.app[RUNTIME], bearer_token(request), "checkpoint")
    verdict = await request.app[LIMITS].scans.take(staff.id)
    if not verdict.allowed:
        # a worker's token in a script, or a device stuck in a loop: not a person at a gate
        RATE_LIMITED.labels("scans").inc()
        raise TooFast("scan.too_fast", verdict.retry_after_seconds)
    body = await json_body(request, unchecked=frozenset({"token"}))
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise InvalidInput("api.missing", field="token")
    place = body.get("place")
    # NUL and lone surrogates fit no text column (PostgreSQL refuses them, UTF-8 cannot say them)
    if place is not None and (not isinstance(place, str) or _UNSTORABLE.search(place)):
        raise InvalidInput("api.wrong_type", field="place")
    temperature = parse_temperature(body.get("temperature"))
    result = await scan(request.app[RUNTIME], staff, token[:MAX_TOKEN_LENGTH], temperature, place)
    SCANS.labels(result.verdict).inc()
    issuer = result.issuer
    return json_response(
        {
            "verdict": result.verdict,
            "color": result.color.value if result.color else None,
            "name": result.name,
            "issued_at": result.issued_at.isoformat() if result.issued_at else None,
            "expires_at": result.expires_at.isoformat() if result.expires_at else None,
            "reasons": list(result.reasons),
            "reason": result.reason,
            "issuer": {"adcode": issuer.adcode, "name": issuer.name} if issuer else None,
            "source": result.source,
        }
    )


def routes() -> list[web.RouteDef]:
    return [web.post("/api/checkpoint/scan", scan_code)]
