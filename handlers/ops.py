"""Operations: ``GET /healthz`` and ``GET /metrics`` (Prometheus text)."""

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.services.health import database_ok


async def healthz(_request: web.Request) -> web.Response:
    if not await database_ok():
        return web.json_response({"status": "down", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "database": "ok"})


async def metrics(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def routes() -> list[web.RouteDef]:
    return [web.get("/healthz", healthz), web.get("/metrics", metrics)]
