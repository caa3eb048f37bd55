"""Checkpoint staff: ``POST /api/checkpoint/scan`` with the token read from a resident's QR, and
``POST /api/checkpoint/lookup`` with the document of someone who has no code to show."""

from __future__ import annotations

import re

from aiohttp import web

from bot.app_state import LIMITS, RUNTIME
from bot.health.errors import InvalidInput
from bot.health.identity import DocType
from bot.metrics import LOOKUPS, RATE_LIMITED, SCANS
from bot.services.checkpoint.lookups import MalformedDocument, lookup
from bot.services.checkpoint.scan import parse_temperature, scan
from bot.services.errors import NotFound, TooFast
from handlers.auth import STAFF, requires
from handlers.errors import json_body
from handlers.responses import json_response

MAX_TOKEN_LENGTH = 512
MAX_NUMBER_LENGTH = 64  # a document number is at most 18 characters, however it is spaced
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@requires("checkpoint")
async def scan_code(request: web.Request) -> web.Response:
    staff = request[STAFF]
    verdict = await request.app[LIMITS].scans.take(staff.id)
    if not verdict.allowed:
        # a worker's token in a script, or a device stuck in a loop: not a person at a gate
        RATE_LIMITED.labels("scans").inc()
        raise TooFast("scan.too_fast", verdict.retry_after_seconds)
    body = await json_body(request, unchecked=frozenset({"token"}))
    token = body.get("token")
    if not isinstance(token, str) or not token:
        raise InvalidInput("api.missing", field="token")
    place, temperature = _place(body), parse_temperature(body.get("temperature"))
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


@requires("checkpoint")
async def lookup_document(request: web.Request) -> web.Response:
    """The ID-card lane (docs/lookup.md): answered like a scan, limited tighter, all logged."""
    staff = request[STAFF]
    verdict = await request.app[LIMITS].lookups.take(staff.id)
    if not verdict.allowed:
        RATE_LIMITED.labels("lookups").inc()
        raise TooFast("lookup.too_fast", verdict.retry_after_seconds)
    body = await json_body(request)
    doc_type, number = _document(body)
    place, temperature = _place(body), parse_temperature(body.get("temperature"))
    try:
        result = await lookup(request.app[RUNTIME], staff, doc_type, number, temperature, place)
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


def _place(body: dict) -> str | None:
    place = body.get("place")
    # NUL and lone surrogates fit no text column (PostgreSQL refuses them, UTF-8 cannot say them)
    if place is not None and (not isinstance(place, str) or _UNSTORABLE.search(place)):
        raise InvalidInput("api.wrong_type", field="place")
    return place


def _document(body: dict) -> tuple[DocType, str]:
    raw_type, number = body.get("doc_type"), body.get("doc_number")
    if raw_type is None:
        raise InvalidInput("api.missing", field="doc_type")
    if not isinstance(raw_type, str) or raw_type not in set(DocType):
        raise InvalidInput("lookup.doc_type", field="doc_type")
    if not isinstance(number, str) or not number.strip():
        raise InvalidInput("api.missing", field="doc_number")
    if len(number) > MAX_NUMBER_LENGTH:
        raise InvalidInput("lookup.doc_number_length", field="doc_number")
    return DocType(raw_type), number


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/checkpoint/scan", scan_code),
        web.post("/api/checkpoint/lookup", lookup_document),
    ]
