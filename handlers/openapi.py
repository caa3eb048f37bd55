"""``GET /api/openapi.json``: the OpenAPI 3.1 document of the JSON routes this app serves."""

from __future__ import annotations

from aiohttp import web

from handlers.api_spec import openapi_document
from handlers.responses import json_response


def mounted_routes(app: web.Application) -> set[tuple[str, str]]:
    """``(METHOD, path pattern)`` of every route; HEAD comes with GET and is left out."""
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }


async def openapi_json(request: web.Request) -> web.Response:
    root = request.match_info.apps[0]  # request.app is the /api sub-app; the document is all
    document = openapi_document(mounted_routes(root), "Health code API")
    return json_response(document, headers={"Cache-Control": "public, max-age=300"})


def routes() -> list[web.RouteDef]:
    return [web.get("/api/openapi.json", openapi_json)]
