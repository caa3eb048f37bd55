"""Officials: ``PUT /api/admin/districts/{adcode}/tier`` publishes a district's risk tier."""

from __future__ import annotations

from aiohttp import web

from bot.appkeys import RUNTIME
from bot.services.errors import NotFound
from bot.services.staff import authenticate
from bot.services.tiers import parse_note, parse_tier, set_tier
from handlers.auth import bearer_token
from handlers.errors import json_body


async def put_tier(request: web.Request) -> web.Response:
    staff = await authenticate(bearer_token(request), "official")
    raw = request.match_info["adcode"]
    if not (raw.isascii() and raw.isdigit() and len(raw) == 6):
        raise NotFound("tiers.unknown_district", adcode=raw[:12])
    body = await json_body(request)
    tier, note = parse_tier(body.get("tier")), parse_note(body.get("note"))
    changed = await set_tier(request.app[RUNTIME], staff, int(raw), tier, note)
    return web.json_response(
        {
            "district": changed.adcode,
            "name": changed.name,
            "tier": changed.tier,
            "previous": changed.previous,
            "affected": changed.tally.decided,
            "changed": changed.tally.changed,
            "notices": changed.tally.notices,
            "seconds": round(changed.tally.seconds, 3),
        }
    )


def routes() -> list[web.RouteDef]:
    return [web.put("/api/admin/districts/{adcode}/tier", put_tier)]
