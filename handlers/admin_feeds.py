"""Officials: ``POST /api/admin/feeds`` takes records of the health authorities' feed.

A feed is larger than any other request, so its body has a bound of its own (``MAX_BYTES``,
about 20 000 records) instead of the 64 KiB of the other JSON routes; larger files go through
``python -m bot import-feed``. Otherwise its body is read and checked as every route's is
(``handlers.json_input``): nesting, numbers, and no NUL or lone surrogate anywhere in it; its
shape is ``handlers.request_bodies.Feed``.
"""

from __future__ import annotations

from aiohttp import web

from bot.app_state import RUNTIME
from bot.services.feeds.imports import import_feed
from handlers.auth import STAFF, requires
from handlers.json_input import read_body
from handlers.language import language
from handlers.request_bodies import Feed
from handlers.responses import json_response

MAX_BYTES = 4 * 1024 * 1024


@requires("official")
async def post_feed(request: web.Request) -> web.Response:
    staff = request[STAFF]
    body = await read_body(request, Feed, MAX_BYTES, too_large="feeds.too_large")
    rt, records = request.app[RUNTIME], enumerate(body.records)
    result = await import_feed(rt, staff.id, body.source, records, position_name="index")
    lang = language(request)
    return json_response(
        {
            "import_id": result.import_id,
            "received": result.received,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "matched": result.matched,
            "redecided": result.tally.decided,
            "changed": result.tally.changed,
            "rejected": [r.as_dict("index", lang) for r in result.rejected],
        }
    )


def routes() -> list[web.RouteDef]:
    return [web.post("/api/admin/feeds", post_feed)]
