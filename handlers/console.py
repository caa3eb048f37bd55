"""The officials' console: ``/console`` (server-rendered pages; the JSON API does the same work
under ``/api/admin``).

Sign-in posts the official's token once; the session is a sealed HttpOnly, SameSite=Strict
cookie (``bot.console.session``) and every request authenticates it again. Every form carries
a CSRF token and is refused when its ``Origin`` names another site. Each action goes through
the same service as the API (tiers, appeals), so the audit trail records it the same way, and
answers with a redirect (post/redirect/get) or the dashboard with the refusal's sentence.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web

from bot.app_state import BACKGROUND, RUNTIME
from bot.console import (
    HEADERS,
    DashboardView,
    Session,
    cookie_value,
    csrf_ok,
    csrf_token,
    new_session,
    read_cookie,
    render_dashboard,
    render_login,
    render_unavailable,
    url,
)
from bot.console.session import LIFETIME
from bot.health.errors import InvalidInput
from bot.services import audit
from bot.services.access.staff import StaffView, authenticate
from bot.services.appeals.answers import MAX_OVERRIDE_DAYS, parse_resolution, resolve_appeal
from bot.services.appeals.filing import AppealStatus
from bot.services.appeals.queue import list_appeals
from bot.services.checkpoint.lookup_stats import lookups_today
from bot.services.errors import Forbidden, ServiceError
from bot.services.faq.questions import count_unanswered, most_asked
from bot.services.officials.stats import recent_feed_imports, stats
from bot.services.redecide.tiers import change_district_tier, parse_note, parse_tier
from bot.texts import t
from handlers.errors import status_of
from handlers.language import LANG, language, request_language
from handlers.path_params import ADCODE, APPEAL_ID, path_value

SESSION_COOKIE, LOGIN_COOKIE = "hc_console", "hc_console_login"
COOKIE_PATH = "/console"
LOGIN_FORM_LIFETIME = timedelta(minutes=30)
APPEALS_SHOWN, IMPORTS_SHOWN, QUESTIONS_SHOWN = 50, 10, 30
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


log = logging.getLogger(__name__)
Redirect = web.HTTPSeeOther


@dataclass(frozen=True)
class Signed:
    staff: StaffView
    session: Session


SIGNED = web.RequestKey("console_signed", Signed)


def _page(html: str, status: int = 200) -> web.Response:
    return web.Response(text=html, status=status, content_type="text/html", headers=HEADERS)


def _set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: timedelta
) -> None:
    secure = request.secure or request.app[RUNTIME].settings.public_base_url.startswith("https:")
    response.set_cookie(
        name,
        value,
        max_age=int(max_age.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=secure,
    )


def _same_origin(request: web.Request) -> bool:
    """A browser says where a form came from; another site (or ``Origin: null``) is refused."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        return False
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


async def _signed_in(request: web.Request) -> Signed | None:
    rt = request.app[RUNTIME]
    session = read_cookie(rt.sealer, request.cookies.get(SESSION_COOKIE), rt.now())
    if session is None:
        return None
    try:
        staff = await authenticate(rt, session.token, "official")
    except ServiceError:
        return None
    return Signed(staff, session)


def signed_in(handler: Handler) -> Handler:
    """A route for a signed-in official (``request[SIGNED]``); anyone else is sent to sign in."""

    @functools.wraps(handler)
    async def with_session(request: web.Request) -> web.StreamResponse:
        signed = await _signed_in(request)
        if signed is None:
            raise web.HTTPSeeOther(url("/console/login", language(request)))
        request[SIGNED] = signed
        return await handler(request)

    return with_session


@web.middleware
async def console_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The console's one middleware: the page's language, and every refusal (a stale or foreign
    form, a wrong answer, a refused sign-in) shown with its sentence: on the dashboard to a
    signed-in official, on the sign-in form to anyone else. An unexpected error is logged and
    answered with a page of its own (the dashboard itself may be what failed)."""
    lang = request[LANG] = request_language(request)
    try:
        return await handler(request)
    except InvalidInput as refusal:
        message, status = t(refusal.code, lang, **refusal.params), status_of(refusal)
        signed = request.get(SIGNED)
        if signed is None:
            return _login_form(request, lang, message, status)
        return await _dashboard(request, signed, lang, message, status)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _page(render_unavailable(lang), 500)


# --- sign-in and out ------------------------------------------------------------------------


async def login_page(request: web.Request) -> web.StreamResponse:
    lang = language(request)
    if await _signed_in(request) is not None:
        raise web.HTTPSeeOther(url("/console", lang))
    return _login_form(request, lang)


def _login_form(request: web.Request, lang: str, error: str | None = None, status: int = 200):
    nonce = secrets.token_urlsafe(16)
    csrf = csrf_token(request.app[RUNTIME].sealer, nonce, "login")
    response = _page(render_login(lang, csrf, error), status)
    _set_cookie(request, response, LOGIN_COOKIE, nonce, LOGIN_FORM_LIFETIME)
    return response


async def login(request: web.Request) -> web.StreamResponse:
    rt, lang = request.app[RUNTIME], language(request)
    form = await request.post()
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not _same_origin(request) or not csrf_ok(rt.sealer, nonce, form.get("csrf"), "login"):
        raise Forbidden("console.login_expired")
    token = form.get("token")
    token = token.strip()[:200] if isinstance(token, str) else ""
    staff = await authenticate(rt, token or None, "official")
    await audit.record(rt, staff.id, "console.login", f"staff:{staff.id}")
    response = web.HTTPSeeOther(url("/console", lang))
    _set_cookie(
        request,
        response,
        SESSION_COOKIE,
        cookie_value(rt.sealer, new_session(token, rt.now())),
        LIFETIME,
    )
    response.del_cookie(LOGIN_COOKIE, path=COOKIE_PATH)
    raise response


@signed_in
async def logout(request: web.Request) -> web.StreamResponse:
    await _form(request)
    response = web.HTTPSeeOther(url("/console/login", language(request)))
    response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    raise response


async def _form(request: web.Request) -> dict[str, str]:
    """The signed-in official's form, once its CSRF token and origin are this console's."""
    form = await request.post()
    sealer, nonce = request.app[RUNTIME].sealer, request[SIGNED].session.nonce
    if not _same_origin(request) or not csrf_ok(sealer, nonce, form.get("csrf")):
        raise Forbidden("console.form_expired")
    return {k: v for k, v in form.items() if isinstance(v, str)}


# --- the dashboard and its actions ----------------------------------------------------------


@signed_in
async def dashboard(request: web.Request) -> web.StreamResponse:
    return await _dashboard(request, request[SIGNED], language(request))


async def _dashboard(
    request: web.Request, signed: Signed, lang: str, error: str | None = None, status: int = 200
) -> web.Response:
    rt = request.app[RUNTIME]
    found = await stats(rt)
    today = rt.now().astimezone(rt.ruleset.tz).date()
    view = DashboardView(
        lang=lang,
        staff_name=signed.staff.name,
        csrf=csrf_token(rt.sealer, signed.session.nonce),
        stats=found,
        appeals=await list_appeals(rt, AppealStatus.OPEN, APPEALS_SHOWN, lang),
        imports=await recent_feed_imports(IMPORTS_SHOWN),
        until_range=(today, today + timedelta(days=MAX_OVERRIDE_DAYS - 1)),
        notice=None if error else _notice(request, found, lang),
        error=error,
        questions=tuple(await most_asked(rt, QUESTIONS_SHOWN)),
        questions_kept=await count_unanswered(),
        lookups=await lookups_today(rt),
    )
    return _page(render_dashboard(view), status)


def _notice(request: web.Request, found, lang: str) -> str | None:
    """The sentence for ``?done=…`` after a redirect: numbers only come from the query."""
    q = request.query
    number = {k: v for k in ("d", "n", "a") if (v := q.get(k, "")).isascii() and v.isdigit()}
    done = q.get("done")
    if done in ("tier", "tier_running") and "d" in number:
        district = next((d for d in found.districts if str(d.adcode) == number["d"]), None)
        if district is not None and district.tier:
            name = district.name_en if lang == "en" else district.name
            tier = t(f"code.tier_{district.tier}", lang)
            return t(
                f"console.done_{done}", lang, district=name, tier=tier, affected=number.get("n", 0)
            )
    if done in ("accept", "reject") and "a" in number:
        return t(f"console.done_{done}", lang, id=number["a"])
    return None


def _dashboard_redirect(query: str, lang: str, section: str) -> Redirect:
    english = "&lang=en" if lang == "en" else ""
    return web.HTTPSeeOther(f"/console?{query}{english}#{section}")


@signed_in
async def change_tier(request: web.Request) -> web.StreamResponse:
    form, staff = await _form(request), request[SIGNED].staff
    adcode = path_value(request, ADCODE)
    tier, note = parse_tier(form.get("tier")), parse_note(form.get("note"))
    rt, background = request.app[RUNTIME], request.app[BACKGROUND].start
    change = await change_district_tier(rt, staff, adcode, tier, note, background)
    if change.tally is None:
        query = f"done=tier_running&d={change.adcode}&n={change.affected}"
    else:
        query = f"done=tier&d={change.adcode}&n={change.tally.decided}"
    raise _dashboard_redirect(query, language(request), "districts")


@signed_in
async def resolve(request: web.Request) -> web.StreamResponse:
    form, staff = await _form(request), request[SIGNED].staff
    rt, appeal_id = request.app[RUNTIME], path_value(request, APPEAL_ID)
    resolution = parse_resolution(form, rt.now(), rt.ruleset.tz)
    done = await resolve_appeal(rt, staff, appeal_id, resolution)
    query = f"done={done.decision}&a={done.id}"
    raise _dashboard_redirect(query, language(request), "appeals")


def routes() -> list[web.RouteDef]:
    return [
        web.get("/console", dashboard),
        web.get("/console/login", login_page),
        web.post("/console/login", login),
        web.post("/console/logout", logout),
        web.post("/console/districts/{adcode}/tier", change_tier),
        web.post("/console/appeals/{appeal_id}/resolve", resolve),
    ]
