"""The one middleware of the code page's and the paper code's sub-apps (``/c``, ``/p``): the
page's language, and a link that names no code (forged, expired, revoked) answered the way its
route answers, declared on the route with ``@not_found_as``: the friendly page for a page, the
``{"error": …}`` shape for the refresh JSON, a short text for an image. An unexpected error is
logged and answered the same way with a 500 that tells the resident to reload in a moment (the
page's refresh keeps retrying on its own). Never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Literal

from aiohttp import web

from bot.resident_pages import error_page_policy, render_error_page
from bot.services.errors import NotFound
from bot.texts import t
from handlers.language import LANG, request_language
from handlers.responses import json_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Kind = Literal["page", "json", "image"]
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
_KIND = "not_found_as"  # the handler's attribute (kept by functools.wraps around it)
UNAVAILABLE = "page.unavailable"
log = logging.getLogger(__name__)


def not_found_as(kind: Kind) -> Callable[[Handler], Handler]:
    def declare(handler: Handler) -> Handler:
        setattr(handler, _KIND, kind)
        return handler

    return declare


@web.middleware
async def page_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    lang = request[LANG] = request_language(request)
    try:
        return await handler(request)
    except NotFound as exc:
        return _answer(request, 404, exc.code, t(exc.code, lang, **exc.params), lang)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _answer(request, 500, UNAVAILABLE, t(UNAVAILABLE, lang), lang)


def _answer(request: web.Request, status: int, code: str, message: str, lang: str) -> web.Response:
    kind = getattr(request.match_info.handler, _KIND, "page")
    if kind == "json":
        error = {"code": code, "message": message}
        return json_response({"error": error}, status=status, headers=NO_STORE)
    if kind == "image":
        return web.Response(text=message, status=status, headers=NO_STORE)
    headers = {**NO_STORE, "Content-Security-Policy": error_page_policy()}
    html = render_error_page(code, lang)
    return web.Response(text=html, status=status, content_type="text/html", headers=headers)
