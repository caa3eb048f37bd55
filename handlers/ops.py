"""Operations: ``GET /healthz`` and ``GET /metrics`` (Prometheus text)."""

import logging
import os

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.app_state import DATABASE_PING, RUNTIME
from bot.metrics import OUTBOX, OUTBOX_OLDEST_DUE
from bot.services.readiness import outbox_backlog
from handlers.responses import json_response

log = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    # "worker": the answering process, to tell apart the workers of `serve --workers N`
    if not await request.app[DATABASE_PING]():  # one ping for the callers waiting at once
        body = {"status": "down", "database": "unreachable", "worker": os.getpid()}
        return json_response(body, status=503)
    return json_response({"status": "ok", "database": "ok", "worker": os.getpid()})


async def metrics(request: web.Request) -> web.Response:
    try:
        backlog = await outbox_backlog(request.app[RUNTIME].now())
    except Exception as exc:  # the process metrics are still worth answering
        log.warning("outbox backlog unavailable: %s", type(exc).__name__)
    else:
        for status, count in backlog.waiting.items():
            OUTBOX.labels(status).set(count)
        OUTBOX_OLDEST_DUE.set(backlog.oldest_due_seconds)
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def routes() -> list[web.RouteDef]:
    return [web.get("/healthz", healthz), web.get("/metrics", metrics)]
