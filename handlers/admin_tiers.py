"""Officials: ``PUT /api/admin/districts/{adcode}/tier`` publishes a district's risk tier;
``GET`` the same path tells how far the re-decision has got.

The tier takes effect at once. The people it touches are re-decided while the request waits
when they are few (200, with the counts); past ``HC_TIER_WAIT_PEOPLE`` the answer is 202 and
the work goes on in the background, batch after batch, until ``remaining`` reaches 0.
"""

from __future__ import annotations

from aiohttp import web

from bot.app_state import BACKGROUND, RUNTIME
from bot.services.access.staff import StaffView
from bot.services.redecide.batches import Tally
from bot.services.redecide.tiers import (
    Published,
    parse_note,
    parse_tier,
    publish_tier,
    redecide_published,
    tier_progress,
)
from handlers.auth import STAFF, requires
from handlers.errors import json_body
from handlers.path_params import ADCODE, path_value
from handlers.responses import json_response


async def publish_and_redecide(
    request: web.Request, staff: StaffView, adcode: int, tier: str, note: str
) -> tuple[Published, Tally | None]:
    """Publish the tier; re-decide now (the tally) or in the background (None)."""
    rt = request.app[RUNTIME]
    published = await publish_tier(rt, staff, adcode, tier, note)
    if published.pending <= rt.settings.tier_wait_people:
        return published, await redecide_published(rt, published)
    work = redecide_published(rt, published)
    request.app[BACKGROUND].start(work, name=f"tier:{adcode}:{published.district.tier}")
    return published, None


@requires("official")
async def put_tier(request: web.Request) -> web.Response:
    staff = request[STAFF]
    adcode = path_value(request, ADCODE)
    body = await json_body(request)
    tier, note = parse_tier(body.get("tier")), parse_note(body.get("note"))
    published, tally = await publish_and_redecide(request, staff, adcode, tier, note)
    district = published.district
    answer = {
        "district": district.adcode,
        "name": district.name,
        "tier": district.tier,
        "previous": published.previous,
        "affected": published.pending,
    }
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
