"""Officials: ``POST /api/admin/broadcasts`` ``{text, districts?}`` → ``{queued}``; with an
``Idempotency-Key`` header a repeat answers 200 with the broadcast already queued."""

from __future__ import annotations

from aiohttp import web

from bot.app_state import RUNTIME
from bot.services.officials.broadcasts import broadcast, parse_districts, parse_text
from bot.services.request_keys import HEADER, parse_request_key
from handlers.auth import STAFF, requires
from handlers.json_input import read_body
from handlers.request_bodies import Broadcast
from handlers.responses import json_response


@requires("official")
async def post_broadcast(request: web.Request) -> web.Response:
    staff = request[STAFF]
    key = parse_request_key(request.headers.get(HEADER))
    body = await read_body(request, Broadcast)
    text, districts = parse_text(body.text), parse_districts(body.districts)
    sent = await broadcast(request.app[RUNTIME], staff, text, districts, request_key=key)
    return json_response(
        {"broadcast": sent.id, "queued": sent.queued, "batches": sent.batches},
        status=200 if sent.replayed else 201,
    )


def routes() -> list[web.RouteDef]:
    return [web.post("/api/admin/broadcasts", post_broadcast)]
