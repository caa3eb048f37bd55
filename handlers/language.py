"""The person's language and who is calling, decided once per request by the sub-app's
middleware (``?lang=``, else the browser's ``Accept-Language``, else Chinese) and replaced by
the account's own once a mini-program session names it (``handlers.auth.requires``)."""

from __future__ import annotations

from aiohttp import web

from bot.texts import DEFAULT_LANGUAGE, LANGUAGES

LANG = web.RequestKey("lang", str)
# who the route serves (miniapp, checkpoint, official): its 401's realm, its wording of refusals
CALLER = web.RequestKey("caller", str)


def request_language(request: web.Request) -> str:
    lang = request.query.get("lang", "") if request.query_string else ""
    if lang in LANGUAGES:
        return lang
    return "en" if request.headers.get("Accept-Language", "").startswith("en") else DEFAULT_LANGUAGE


def language(request: web.Request) -> str:
    """The language the middleware (or the session) chose for this request."""
    return request[LANG]
