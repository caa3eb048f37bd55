"""Officials: ``PUT /api/admin/districts/{adcode}/tier`` publishes a district's risk tier;
``GET`` the same path tells how far the re-decision has got.

The tier takes effect at once. The people it touches are re-decided while the request waits
when they are few (200, with the counts); past ``HC_TIER_WAIT_PEOPLE`` the answer is 202 and
the work goes on in the background, batch after batch, until ``remaining`` reaches 0.
"""

from __future__ import annotations

from aiohttp import web

from bot.app_state import BACKGROUND, RUNTIME
from bot.services.redecide.tiers import change_district_tier, parse_note, parse_tier, tier_progress
from handlers.auth import STAFF, requires
from handlers.json_input import read_body
from handlers.path_params import ADCODE, path_value
from handlers.request_bodies import SetTier
from handlers.responses import json_response


@requires("official")
async def put_tier(request: web.Request) -> web.Response:
    staff = request[STAFF]
    adcode = path_value(request, ADCODE)
    body = await read_body(request, SetTier)
    tier, note = parse_tier(body.tier), parse_note(body.note)
    rt, background = request.app[RUNTIME], request.app[BACKGROUND].start
    change = await change_district_tier(rt, staff, adcode, tier, note, background)
    answer = {
        "district": change.adcode,
        "name": change.name,
        "tier": change.tier,
        "previous": change.previous,
        "affected": change.affected,
    }
    tally = change.tally
    if tally is None:
        return json_response({**answer, "status": "running"}, status=202)
    return json_response(
        {
            **answer,
            "status": "done",
            "affected": tally.decided,
            "changed": tally.changed,
            "notices": tally.notices,
            "seconds": round(tally.seconds, 3),
        }
    )


@requires("official")
async def get_tier(request: web.Request) -> web.Response:
    progress = await tier_progress(request.app[RUNTIME], path_value(request, ADCODE))
    changed_at = progress.changed_at.isoformat() if progress.changed_at else None
    return json_response(
        {
            "district": progress.adcode,
            "name": progress.name,
            "tier": progress.tier,
            "changed_at": changed_at,
            "remaining": progress.remaining,
            "status": "running" if progress.remaining else "done",
        }
    )


def routes() -> list[web.RouteDef]:
    path = "/api/admin/districts/{adcode}/tier"
    return [web.put(path, put_tier), web.get(path, get_tier)]
