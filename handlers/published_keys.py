"""``GET /.well-known/health-code-keys``: the public keys that verify our tokens (JWKS)."""

from aiohttp import web

from bot.app_state import RUNTIME
from bot.services.codes.published_keys import published_keys
from handlers.responses import json_response


async def health_code_keys(request: web.Request) -> web.Response:
    return json_response(
        published_keys(request.app[RUNTIME]), headers={"Cache-Control": "public, max-age=300"}
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/.well-known/health-code-keys", health_code_keys)]
