"""Checkpoint staff: ``POST /api/checkpoint/scan`` with the token read from a resident's QR, and
``POST /api/checkpoint/lookup`` with the document of someone who has no code to show."""

from __future__ import annotations

from aiohttp import web

from bot.app_state import LIMITS, RUNTIME
from bot.health.errors import InvalidInput
from bot.metrics import LOOKUPS, RATE_LIMITED, SCANS
from bot.services.checkpoint.lookups import MalformedDocument, lookup
from bot.services.checkpoint.scan import scan
from bot.services.errors import NotFound, TooFast
from handlers.auth import STAFF, requires
from handlers.json_input import read_body
from handlers.request_bodies import MAX_TOKEN_LENGTH, Lookup, Scan
from handlers.responses import json_response

SCANNED_TOKEN = frozenset({"token"})  # judged, never stored: it may hold anything


@requires("checkpoint")
async def scan_code(request: web.Request) -> web.Response:
    staff = request[STAFF]
    verdict = await request.app[LIMITS].scans.take(staff.id)
    if not verdict.allowed:
        # a worker's token in a script, or a device stuck in a loop: not a person at a gate
        RATE_LIMITED.labels("scans").inc()
        raise TooFast("scan.too_fast", verdict.retry_after_seconds)
    body = await read_body(request, Scan, unchecked=SCANNED_TOKEN)
    token = body.token[:MAX_TOKEN_LENGTH]
    result = await scan(request.app[RUNTIME], staff, token, body.temperature, body.place)
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


@requires("checkpoint")
async def lookup_document(request: web.Request) -> web.Response:
    """The ID-card lane (docs/lookup.md): answered like a scan, limited tighter, all logged."""
    staff = request[STAFF]
    verdict = await request.app[LIMITS].lookups.take(staff.id)
    if not verdict.allowed:
        RATE_LIMITED.labels("lookups").inc()
        raise TooFast("lookup.too_fast", verdict.retry_after_seconds)
    body = await read_body(request, Lookup)
    if not body.doc_number.strip():
        raise InvalidInput("api.missing", field="doc_number")
    rt, number = request.app[RUNTIME], body.doc_number
    try:
        result = await lookup(rt, staff, body.doc_type, number, body.temperature, body.place)
    except MalformedDocument:
        LOOKUPS.labels("malformed").inc()
        raise
    except NotFound:
        LOOKUPS.labels("unknown").inc()
        raise
    LOOKUPS.labels(result.verdict).inc()
    return json_response(
        {
            "verdict": result.verdict,
            "color": result.color.value if result.color else None,
            "name": result.name,
            "reasons": list(result.reasons),
        }
    )


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/checkpoint/scan", scan_code),
        web.post("/api/checkpoint/lookup", lookup_document),
    ]
