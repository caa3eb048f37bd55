"""JSON Schemas (2020-12, as OpenAPI 3.1 uses) shared by several operations, the schemas of the
request bodies (written by msgspec from their structs, ``handlers.request_bodies``), and small
helpers that spell the repetitive parts of an operation."""

from __future__ import annotations

from typing import Any

import msgspec

from handlers.bodies import Body
from handlers.request_bodies import BODIES

Schema = dict[str, Any]

COLOR: Schema = {"type": "string", "enum": ["green", "orange", "red"]}
NULLABLE_COLOR: Schema = {"enum": ["green", "orange", "red", None]}
MOMENT: Schema = {"type": "string", "format": "date-time"}

ERROR: Schema = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "minLength": 1, "description": "a stable key"},
                "message": {
                    "type": "string",
                    "minLength": 1,
                    "description": "a sentence for a person, in their language",
                },
                "field": {"type": "string", "description": "the request field it is about"},
            },
        }
    },
}

ERROR_STATUSES = {
    "400": "The request is malformed.",
    "401": "The bearer token is missing, forged, expired or revoked.",
    "403": "The token may not do this.",
    "404": "Nothing the caller may see has this id.",
    "409": "The request cannot be done as asked (the message says why and what to do).",
    "413": "The body is larger than the route accepts (64 KiB unless said otherwise).",
    "422": "A field is missing or wrong; `field` names it.",
    "429": "Too many requests for this caller; `Retry-After` says how many seconds to wait.",
    "503": "A service this route depends on is unavailable; try again later.",
}

SCHEMAS: dict[str, Schema] = {"Error": ERROR}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: Schema) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def body(*kinds: type[Body]) -> dict[str, Any]:
    """A request body declared by one struct, or by any of several (``oneOf``)."""
    refs = [ref(kind.__name__) for kind in kinds]
    return {
        "required": True,
        "content": json_content(refs[0] if len(refs) == 1 else {"oneOf": refs}),
    }


def body_schemas() -> dict[str, Schema]:
    """Every request body's schema, and the enums they name, as components."""
    _refs, components = msgspec.json.schema_components(
        BODIES, ref_template="#/components/schemas/{name}"
    )
    for schema in components.values():
        if "description" in schema:  # a docstring's line breaks are not the text's
            schema["description"] = " ".join(schema["description"].split())
    return components


def answer(description: str, schema: Schema) -> dict[str, Any]:
    return {"description": description, "content": json_content(schema)}


def refusals(*statuses: int) -> dict[str, Any]:
    return {str(s): {"$ref": f"#/components/responses/Error{s}"} for s in statuses}


def error_responses() -> dict[str, Any]:
    return {
        f"Error{status}": answer(description, ref("Error"))
        for status, description in ERROR_STATUSES.items()
    }


def idempotency_key(what: str) -> dict[str, Any]:
    """The optional ``Idempotency-Key`` header of a route that does ``what`` once per key."""
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "minLength": 1, "maxLength": 64},
        "description": f"a key of the client's choosing: a retry with the same key {what}",
    }
