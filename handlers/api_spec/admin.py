"""Officials' operations (docs/architecture.md), as ``handlers/admin_*.py`` answer them.

Request schemas say only what the handlers refuse by type; the handlers' own checks (a known
district, a reply of at most 500 characters…) answer 422 with the field named."""

from __future__ import annotations

from bot.health.risk_tiers import Tier
from handlers import request_bodies as bodies
from handlers.api_spec.schemas import (
    MOMENT,
    NULLABLE_COLOR,
    Schema,
    answer,
    body,
    idempotency_key,
    ref,
    refusals,
)

OFFICIAL: list[dict[str, list[str]]] = [{"officialToken": []}]
TIER: Schema = {"enum": [tier.value for tier in Tier]}
COUNT: Schema = {"type": "integer", "minimum": 0}
NULLABLE_TEXT: Schema = {"type": ["string", "null"]}

TIER_SET: Schema = {
    "type": "object",
    "required": [
        "district", "name", "tier", "previous", "affected", "changed", "notices", "status",
    ],
    "properties": {
        "district": {"type": "integer"},
        "name": {"type": "string"},
        "tier": TIER,
        "previous": TIER,
        "affected": COUNT,
        "changed": COUNT,
        "notices": COUNT,
        "seconds": {"type": "number", "minimum": 0},
        "status": {"const": "done"},
    },
}  # fmt: skip
TIER_RUNNING: Schema = {
    "type": "object",
    "required": ["district", "name", "tier", "previous", "affected", "status"],
    "properties": {
        "district": {"type": "integer"},
        "name": {"type": "string"},
        "tier": TIER,
        "previous": TIER,
        "affected": {**COUNT, "description": "people to re-decide"},
        "status": {"const": "running"},
    },
}
TIER_PROGRESS: Schema = {
    "type": "object",
    "required": ["district", "name", "tier", "changed_at", "remaining", "status"],
    "properties": {
        "district": {"type": "integer"},
        "name": {"type": "string"},
        "tier": TIER,
        "changed_at": {"type": ["string", "null"], "format": "date-time"},
        "remaining": {**COUNT, "description": "people still decided before the change"},
        "status": {"enum": ["running", "done"]},
    },
}
FEED_IMPORTED: Schema = {
    "type": "object",
    "required": ["received", "created", "updated", "matched", "rejected"],
    "properties": {
        "import_id": {"type": "integer"},
        "received": COUNT,
        "created": COUNT,
        "updated": COUNT,
        "unchanged": COUNT,
        "matched": COUNT,
        "redecided": COUNT,
        "changed": COUNT,
        "rejected": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "field", "error"],
                "properties": {
                    "index": {"type": "integer"},
                    "field": NULLABLE_TEXT,
                    "error": {"type": "string"},
                },
            },
        },
    },
}
BROADCAST_QUEUED: Schema = {
    "type": "object",
    "required": ["queued"],
    "properties": {"broadcast": {"type": "integer"}, "queued": COUNT, "batches": COUNT},
}
APPEAL_SUMMARY: Schema = {
    "type": "object",
    "required": ["id", "person_id", "name", "status", "text", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "person_id": {"type": "string"},
        "name": {"type": "string", "description": "masked"},
        "doc_type": {"type": "string"},
        "document": {"type": "string", "description": "masked"},
        "district": {"type": ["integer", "null"]},
        "district_name": NULLABLE_TEXT,
        "color": NULLABLE_COLOR,
        "reasons": {"type": "array", "items": {"type": "string"}},
        "text": {"type": "string"},
        "filed_for_family": {"type": "boolean"},
        "status": {"enum": ["open", "resolved"]},
        "created_at": MOMENT,
        "decision": {"enum": ["accept", "reject", None]},
        "reply": NULLABLE_TEXT,
        "resolved_by": NULLABLE_TEXT,
        "resolved_at": {"type": ["string", "null"], "format": "date-time"},
    },
}
APPEAL_LIST: Schema = {
    "type": "object",
    "required": ["appeals", "count"],
    "properties": {
        "appeals": {"type": "array", "items": ref("AppealSummary")},
        "count": COUNT,
    },
}
RESOLVED: Schema = {
    "type": "object",
    "required": ["id", "status", "decision"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"const": "resolved"},
        "decision": {"enum": ["accept", "reject"]},
        "color": NULLABLE_COLOR,
        "previous": NULLABLE_COLOR,
        "until": {"type": ["string", "null"], "format": "date-time"},
        "notified": {"type": "boolean"},
    },
}
BY_COLOR: Schema = {"type": "object", "additionalProperties": COUNT}
STATS: Schema = {
    "type": "object",
    "required": ["codes"],
    "properties": {
        "codes": {
            "type": "object",
            "required": ["total", "by_color", "by_district"],
            "properties": {
                "total": COUNT,
                "by_color": BY_COLOR,
                "by_district": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["district", "total"],
                        "properties": {
                            "district": {"type": "integer"},
                            "name": {"type": "string"},
                            "name_en": {"type": "string"},
                            "tier": TIER,
                            "green": COUNT,
                            "orange": COUNT,
                            "red": COUNT,
                            "total": COUNT,
                        },
                    },
                },
            },
        },
        "appeals": {"type": "object", "properties": {"open": COUNT}},
        "scans": {
            "type": "object",
            "properties": {
                "day": {"type": "string"},
                "today": COUNT,
                "by_verdict": BY_COLOR,
            },
        },
        "as_of": MOMENT,
    },
}

SCHEMAS: dict[str, Schema] = {
    "TierSet": TIER_SET,
    "TierRunning": TIER_RUNNING,
    "TierProgress": TIER_PROGRESS,
    "FeedImported": FEED_IMPORTED,
    "BroadcastQueued": BROADCAST_QUEUED,
    "AppealSummary": APPEAL_SUMMARY,
    "AppealList": APPEAL_LIST,
    "Resolved": RESOLVED,
    "Stats": STATS,
}


def _operation(summary: str, operation_id: str, responses: dict, **extra: object) -> dict:
    return {
        "tags": ["officials"],
        "summary": summary,
        "operationId": operation_id,
        "security": OFFICIAL,
        **extra,
        "responses": responses,
    }


ADCODE = {
    "name": "adcode",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 100000, "maximum": 999999},
}

PATHS = {
    "/api/admin/districts/{adcode}/tier": {
        "put": _operation(
            "Publish a district's risk tier; everyone it touches is re-decided and told",
            "setTier",
            {
                "200": answer("Published, and everyone re-decided.", ref("TierSet")),
                "202": answer(
                    "Published; more people than HC_TIER_WAIT_PEOPLE are being re-decided in "
                    "the background (GET this path for progress).",
                    ref("TierRunning"),
                ),
                **refusals(400, 401, 403, 404, 413, 422),
            },
            parameters=[ADCODE],
            requestBody=body(bodies.SetTier),
        ),
        "get": _operation(
            "The district's tier and how many people are still to be re-decided under it",
            "tierProgress",
            {"200": answer("The progress.", ref("TierProgress")), **refusals(401, 403, 404)},
            parameters=[ADCODE],
        ),
    },
    "/api/admin/feeds": {
        "post": _operation(
            "Import records of the health authorities' feed (the same records twice change "
            "nothing)",
            "importFeed",
            {
                "200": answer("Imported.", ref("FeedImported")),
                **refusals(400, 401, 403, 413, 422),
            },
            requestBody=body(bodies.Feed),
            description="This route accepts bodies of up to 4 MiB.",
        )
    },
    "/api/admin/broadcasts": {
        "post": _operation(
            "Send a notice to the followers of some districts, or everyone",
            "broadcast",
            {
                "200": answer(
                    "Already queued under this Idempotency-Key: the same broadcast, not sent "
                    "again.",
                    ref("BroadcastQueued"),
                ),
                "201": answer("Queued.", ref("BroadcastQueued")),
                **refusals(400, 401, 403, 409, 413, 422),
            },
            parameters=[idempotency_key("queues nothing twice")],
            requestBody=body(bodies.Broadcast),
        )
    },
    "/api/admin/appeals": {
        "get": _operation(
            "Appeals, masked: open ones oldest first, resolved ones newest first",
            "listAppeals",
            {"200": answer("The appeals.", ref("AppealList")), **refusals(401, 403, 422)},
            parameters=[
                {
                    "name": "status",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "open (default), resolved or all",
                },
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                },
            ],
        )
    },
    "/api/admin/appeals/{appeal_id}/resolve": {
        "post": _operation(
            "Answer an appeal: accept (with a colour until a moment, or a plain re-decision) "
            "or reject",
            "resolveAppeal",
            {
                "200": answer("Answered.", ref("Resolved")),
                **refusals(400, 401, 403, 404, 409, 413, 422),
            },
            parameters=[
                {
                    "name": "appeal_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                }
            ],
            requestBody=body(bodies.Resolution),
        )
    },
    "/api/admin/stats": {
        "get": _operation(
            "Codes by colour and district, open appeals, today's scans",
            "stats",
            {"200": answer("The figures.", ref("Stats")), **refusals(401, 403)},
        )
    },
}
