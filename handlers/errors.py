"""One error shape for every JSON route: ``{"error": {"code", "message", "field"?}}``.

Refusals a person caused carry their catalogue sentence and status; anything unexpected is
logged and answered generically (docs/architecture.md)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.health.errors import InvalidInput
from bot.services.errors import ServiceError, TooFast
from bot.texts import t
from handlers.json_input import MAX_BODY_BYTES, read_json_object
from handlers.responses import json_response

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return json_response({"error": error}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/api/"):
        return await handler(request)
    lang = "en" if request.headers.get("Accept-Language", "").startswith("en") else "zh"
    try:
        return await handler(request)
    except TooFast as exc:
        response = error_response(exc.status, exc.code, t(exc.code, lang, **exc.params))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except ServiceError as exc:
        return error_response(exc.status, exc.code, t(exc.code, lang, **exc.params))
    except InvalidInput as exc:
        return error_response(422, exc.code, t(exc.code, lang, **exc.params), field=exc.field)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, _slug(exc.reason), exc.text or exc.reason)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal", t("api.internal", lang))


async def json_body(request: web.Request, unchecked: frozenset[str] = frozenset()) -> dict:
    """The request's JSON object (at most ``MAX_BODY_BYTES``), or a 400 that says what is wrong
    with it (``handlers.json_input``). Fields named in ``unchecked`` may hold control characters."""
    return await read_json_object(request, MAX_BODY_BYTES, unchecked)


def _slug(reason: str) -> str:
    return reason.lower().replace(" ", "_")
