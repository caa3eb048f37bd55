"""Officials: ``GET /api/admin/appeals?status=open`` lists appeals (masked, never a document in
clear); ``POST /api/admin/appeals/{appeal_id}/resolve`` answers one."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from msgspec import structs

from bot.app_state import RUNTIME
from bot.services.appeals.answers import parse_resolution, resolve_appeal
from bot.services.appeals.queue import AppealSummary, list_appeals, parse_limit, parse_status
from handlers.auth import STAFF, requires
from handlers.json_input import read_body
from handlers.language import language
from handlers.path_params import APPEAL_ID, path_value
from handlers.request_bodies import Resolution
from handlers.responses import json_response


@requires("official")
async def get_appeals(request: web.Request) -> web.Response:
    status = parse_status(request.query.get("status"))
    limit = parse_limit(request.query.get("limit"))
    lang = language(request)
    appeals = await list_appeals(request.app[RUNTIME], status, limit, lang)
    return json_response(
        {"appeals": [appeal_json(a) for a in appeals], "count": len(appeals)},
        headers={"Cache-Control": "no-store"},
    )


@requires("official")
async def post_resolve(request: web.Request) -> web.Response:
    staff = request[STAFF]
    appeal_id = path_value(request, APPEAL_ID)
    rt = request.app[RUNTIME]
    body = structs.asdict(await read_body(request, Resolution))
    resolution = parse_resolution(body, rt.now(), rt.ruleset.tz)
    done = await resolve_appeal(rt, staff, appeal_id, resolution)
    return json_response(
        {
            "id": done.id,
            "status": "resolved",
            "decision": done.decision,
            "color": done.color.value if done.color else None,
            "previous": done.previous.value if done.previous else None,
            "until": done.override_until.isoformat() if done.override_until else None,
            "notified": done.notified,
        }
    )


def appeal_json(a: AppealSummary) -> dict[str, Any]:
    return {
        "id": a.id,
        "person_id": a.person_id,
        "name": a.name_masked,
        "doc_type": a.doc_type,
        "document": a.document_masked,
        "district": a.district,
        "district_name": a.district_name,
        "color": a.color,
        "reasons": list(a.reasons),
        "text": a.text,
        "filed_for_family": a.filed_for_family,
        "status": a.status,
        "created_at": a.created_at.isoformat(),
        "decision": a.decision,
        "reply": a.reply,
        "resolved_by": a.resolved_by,
        "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None,
    }


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/admin/appeals", get_appeals),
        web.post("/api/admin/appeals/{appeal_id}/resolve", post_resolve),
    ]
