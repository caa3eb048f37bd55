"""One error shape for every JSON route: ``{"error": {"code", "message", "field"?}}``.

Refusals a person caused carry their catalogue sentence and status; anything unexpected is
logged and answered generically (DESIGN.md §13)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.health.errors import InvalidInput
from bot.services.errors import Malformed, ServiceError, TooFast
from bot.texts import t

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return web.json_response({"error": error}, status=status)


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
        field = exc.params.get("field")
        return error_response(422, exc.code, t(exc.code, lang, **exc.params), field=field)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, _slug(exc.reason), exc.text or exc.reason)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal", t("api.internal", lang))


async def json_body(request: web.Request, unchecked: frozenset[str] = frozenset()) -> dict:
    """The request's JSON object, or a 400 that says what is wrong with it. Fields named in
    ``unchecked`` may hold control characters (a scanned token is judged, never stored)."""
    if request.content_length is not None and request.content_length > 64 * 1024:
        raise web.HTTPRequestEntityTooLarge(max_size=64 * 1024, actual_size=request.content_length)
    try:
        body = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Malformed("api.not_json") from exc
    if not isinstance(body, dict):
        raise Malformed("api.not_object")
    for key, value in body.items():
        # no field needs them, PostgreSQL refuses NUL in text, and logs and pages mangle them
        if key not in unchecked and (
            _has_control_characters(key) or _has_control_characters(value)
        ):
            raise InvalidInput("api.control_characters", field=key[:64])
    return body


def _has_control_characters(value: object) -> bool:
    if isinstance(value, str):
        return any((ch < " " and ch not in "\t\n\r") or "\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(
            _has_control_characters(k) or _has_control_characters(v) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_has_control_characters(item) for item in value)
    return False


def _slug(reason: str) -> str:
    return reason.lower().replace(" ", "_")
