"""Officials: ``GET /api/admin/stats`` — codes by colour and district, open appeals, today's
scans."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.app_state import RUNTIME
from bot.services.officials.stats import Stats, stats
from handlers.auth import requires
from handlers.responses import json_response


@requires("official")
async def get_stats(request: web.Request) -> web.Response:
    found = await stats(request.app[RUNTIME])
    return json_response(stats_json(found), headers={"Cache-Control": "no-store"})


def stats_json(s: Stats) -> dict[str, Any]:
    return {
        "codes": {
            "total": s.codes,
            "by_color": s.by_color,
            "by_district": [
                {
                    "district": d.adcode,
                    "name": d.name,
                    "name_en": d.name_en,
                    "tier": d.tier,
                    **d.colors,
                    "total": d.total,
                }
                for d in s.districts
                if d.adcode is not None
            ],
            # people recorded without a district (none today: every declaration names one)
            "no_district": sum(d.total for d in s.districts if d.adcode is None),
        },
        "appeals": {"open": s.appeals_open},
        "scans": {
            "day": s.day.isoformat(),
            "today": s.scans_today,
            "by_verdict": s.scans_by_verdict,
        },
        "as_of": s.as_of.isoformat(),
    }


def routes() -> list[web.RouteDef]:
    return [web.get("/api/admin/stats", get_stats)]
