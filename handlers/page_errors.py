"""The one middleware of the code page's and the paper code's sub-apps (``/c``, ``/p``): the
page's language, and a link that names no code (forged, expired, revoked) answered the way its
route answers, declared on the route with ``@not_found_as``: the friendly page for a page, the
``{"error": …}`` shape for the refresh JSON, a short text for an image. Never a stack trace."""

from __future__ import annotations

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
        kind = getattr(request.match_info.handler, _KIND, "page")
        if kind == "json":
            error = {"code": exc.code, "message": t(exc.code, lang, **exc.params)}
            return json_response({"error": error}, status=404, headers=NO_STORE)
        if kind == "image":
            return web.Response(text=t(exc.code, lang, **exc.params), status=404)
        headers = {**NO_STORE, "Content-Security-Policy": error_page_policy()}
        html = render_error_page(exc.code, lang)
        return web.Response(text=html, status=404, content_type="text/html", headers=headers)
