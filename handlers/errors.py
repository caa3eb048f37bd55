"""What each refusal is on the wire: the HTTP status of every error class (``status_of``) and
the one error shape of the JSON routes, ``{"error": {"code", "message", "field"?}}``.

The services raise refusals that say what went wrong and know nothing of HTTP; the statuses are
decided here, at the edge, by the class (the nearest in its ancestry), so a new refusal is a
subclass of the one it answers like. Refusals a person caused carry their catalogue sentence in
the person's language; anything unexpected is logged and answered generically
(docs/architecture.md, "The HTTP edge")."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.health.errors import InvalidInput
from bot.services.errors import (
    Forbidden,
    Malformed,
    NoCredentials,
    NotFound,
    ServiceError,
    TooFast,
    Unauthorised,
)
from bot.texts import catalogue, t
from handlers.json_input import BodyTooLarge
from handlers.language import CALLER, LANG, request_language
from handlers.responses import json_response

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WeChatUnavailable(ServiceError):
    """WeChat did not answer what only it can answer (a mini-program's log-in): try later."""


STATUSES: dict[type[InvalidInput], int] = {
    InvalidInput: 422,  # one answer refused: the field says which
    ServiceError: 409,  # the request cannot be done as asked
    Malformed: 400,
    Unauthorised: 401,
    Forbidden: 403,
    NotFound: 404,
    BodyTooLarge: 413,
    TooFast: 429,
    WeChatUnavailable: 503,
}


def status_of(refusal: InvalidInput) -> int:
    for kind in type(refusal).__mro__:
        status = STATUSES.get(kind)
        if status is not None:
            return status
    return 422  # unreachable: InvalidInput is in every refusal's ancestry


def error_response(status: int, code: str, message: str, field: str | None = None) -> web.Response:
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return json_response({"error": error}, status=status)


def refusal_response(request: web.Request, refusal: InvalidInput) -> web.Response:
    """A refusal in the JSON shape, worded for its caller in the request's language."""
    lang = request.get(LANG, "zh")
    status = status_of(refusal)
    message = _message(refusal, lang, request.get(CALLER))
    response = error_response(status, refusal.code, message, field=refusal.field)
    if status == 401:
        response.headers["WWW-Authenticate"] = bearer_challenge(request, refusal)
    if isinstance(refusal, TooFast):
        response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def bearer_challenge(request: web.Request, refusal: InvalidInput) -> str:
    """RFC 6750 §3: the realm is the caller whose credentials were asked for (miniapp,
    checkpoint, official); a request that sent none gets no error code (§3.1), one whose token
    was refused gets ``invalid_token``."""
    realm = request.get(CALLER) or "api"
    if isinstance(refusal, NoCredentials):
        return f'Bearer realm="{realm}"'
    return f'Bearer realm="{realm}", error="invalid_token"'


def _message(refusal: InvalidInput, lang: str, caller: str | None) -> str:
    # The chat's sentences say "reply 申领"; where one does, the mini-program has its own.
    if caller is not None:
        instead = f"{caller}.instead.{refusal.code}"
        if instead in catalogue(lang):
            return t(instead, lang, **refusal.params)
    return t(refusal.code, lang, **refusal.params)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The ``/api`` sub-app's one middleware: the request's language, then every refusal and
    every unexpected error as JSON."""
    request[LANG] = request_language(request)
    try:
        return await handler(request)
    except InvalidInput as refusal:
        return refusal_response(request, refusal)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error_response(exc.status, _slug(exc.reason), exc.text or exc.reason)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal", t("api.internal", request[LANG]))


def _slug(reason: str) -> str:
    return reason.lower().replace(" ", "_")
