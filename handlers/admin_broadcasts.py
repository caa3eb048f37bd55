"""Officials: ``POST /api/admin/broadcasts`` ``{text, districts?}`` → ``{queued}``."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import RUNTIME
from bot.services.broadcasts import broadcast, parse_districts, parse_text
from bot.services.staff import authenticate
from handlers.auth import bearer_token
from handlers.errors import json_body


async def post_broadcast(request: web.Request) -> web.Response:
    staff = await authenticate(bearer_token(request), "official")
    body = await json_body(request)
    text, districts = parse_text(body.get("text")), parse_districts(body.get("districts"))
    sent = await broadcast(request.app[RUNTIME], staff, text, districts)
    return web.json_response(
        {"broadcast": sent.id, "queued": sent.queued, "batches": sent.batches}, status=201
    )


def routes() -> list[web.RouteDef]:
    return [web.post("/api/admin/broadcasts", post_broadcast)]
