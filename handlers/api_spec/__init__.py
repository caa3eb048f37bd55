"""The OpenAPI 3.1 description of every JSON route (``GET /api/openapi.json``,
docs/architecture.md).

Each part describes one channel's operations; ``openapi_document`` keeps those the application
has mounted, so the document never names a route that is not there. A test compares it with the
router both ways: a JSON route without a description fails it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from handlers.api_spec import admin, miniapp, public
from handlers.api_spec.schemas import SCHEMAS, body_schemas, error_responses

OPENAPI_VERSION = "3.1.0"
BEARER = {"type": "http", "scheme": "bearer"}
PARTS = (public, miniapp, admin)


def catalogue() -> dict[str, dict[str, Any]]:
    """Every operation described, by path and lower-case method."""
    paths: dict[str, dict[str, Any]] = {}
    for part in PARTS:
        for path, operations in part.PATHS.items():
            paths.setdefault(path, {}).update(operations)
    return paths


def openapi_document(mounted: Iterable[tuple[str, str]], title: str) -> dict[str, Any]:
    """The document for the ``(METHOD, path)`` routes an application has."""
    routes = {(method.lower(), path) for method, path in mounted}
    paths = {
        path: kept
        for path, operations in catalogue().items()
        if (kept := {m: op for m, op in operations.items() if (m, path) in routes})
    }
    schemas = {**SCHEMAS, **body_schemas()}
    for part in PARTS:
        schemas.update(part.SCHEMAS)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": "1",
            "description": (
                'Errors are `{"error": {"code", "message", "field"?}}`; `message` is a '
                "sentence for a person, in their language."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": error_responses(),
            "securitySchemes": {
                "miniappSession": {**BEARER, "description": "POST /api/miniapp/login"},
                "checkpointToken": {**BEARER, "description": "add-staff --role checkpoint"},
                "officialToken": {**BEARER, "description": "add-staff --role official"},
            },
        },
    }
