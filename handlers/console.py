"""The officials' console: ``/console`` (server-rendered pages; the JSON API does the same work
under ``/api/admin``).

Sign-in posts the official's token once; the session is a sealed HttpOnly, SameSite=Strict
cookie (``bot.console.session``) and every request authenticates it again. Every form carries
a CSRF token and is refused when its ``Origin`` names another site. Each action goes through
the same service as the API (tiers, appeals), so the audit trail records it the same way, and
answers with a redirect (post/redirect/get) or the dashboard with the refusal's sentence.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web

from bot.app_state import RUNTIME
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
    url,
)
from bot.console.session import LIFETIME
from bot.health.errors import InvalidInput
from bot.services import audit
from bot.services.access.staff import StaffView, authenticate
from bot.services.appeals.answers import MAX_OVERRIDE_DAYS, parse_resolution, resolve_appeal
from bot.services.appeals.filing import OPEN
from bot.services.appeals.queue import list_appeals
from bot.services.checkpoint.lookup_stats import lookups_today
from bot.services.errors import ServiceError
from bot.services.faq.questions import count_unanswered, most_asked
from bot.services.officials.stats import recent_feed_imports, stats
from bot.services.redecide.tiers import parse_note, parse_tier
from bot.texts import LANGUAGES, t
from handlers.admin_tiers import publish_and_redecide
from handlers.path_params import ADCODE, APPEAL_ID, path_value

SESSION_COOKIE, LOGIN_COOKIE = "hc_console", "hc_console_login"
COOKIE_PATH = "/console"
LOGIN_FORM_LIFETIME = timedelta(minutes=30)
APPEALS_SHOWN, IMPORTS_SHOWN, QUESTIONS_SHOWN = 50, 10, 30


Redirect = web.HTTPSeeOther


@dataclass(frozen=True)
class Signed:
    staff: StaffView
    session: Session


Action = Callable[[web.Request, StaffView, dict[str, str]], Awaitable[Redirect]]


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _lang(request: web.Request) -> str:
    lang = request.query.get("lang", "")
    if lang in LANGUAGES:
        return lang
    return "en" if request.headers.get("Accept-Language", "").startswith("en") else "zh"


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


# --- sign-in and out ------------------------------------------------------------------------


async def login_page(request: web.Request) -> web.StreamResponse:
    lang = _lang(request)
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
    rt, lang = request.app[RUNTIME], _lang(request)
    form = await request.post()
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not _same_origin(request) or not csrf_ok(rt.sealer, nonce, form.get("csrf"), "login"):
        return _login_form(request, lang, t("console.login_expired", lang), 403)
    token = form.get("token")
    token = token.strip()[:200] if isinstance(token, str) else ""
    try:
        staff = await authenticate(rt, token or None, "official")
    except ServiceError as refusal:
        return _login_form(request, lang, t(refusal.code, lang), refusal.status)
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


async def logout(request: web.Request) -> web.StreamResponse:
    lang = _lang(request)

    async def action(_req: web.Request, _staff: StaffView, _form: dict[str, str]) -> Redirect:
        response = web.HTTPSeeOther(url("/console/login", lang))
        response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)
        return response

    return await _act(request, lang, action)


async def _signed_form(request: web.Request, lang: str) -> tuple[Signed, dict[str, str]]:
    signed = await _signed_in(request)
    if signed is None:
        raise web.HTTPSeeOther(url("/console/login", lang))
    form = await request.post()
    sealer = request.app[RUNTIME].sealer
    if not _same_origin(request) or not csrf_ok(sealer, signed.session.nonce, form.get("csrf")):
        raise _Refused(403, t("console.form_expired", lang))
    return signed, {k: v for k, v in form.items() if isinstance(v, str)}


# --- the dashboard and its actions ----------------------------------------------------------


async def dashboard(request: web.Request) -> web.StreamResponse:
    lang = _lang(request)
    signed = await _signed_in(request)
    if signed is None:
        raise web.HTTPSeeOther(url("/console/login", lang))
    return await _dashboard(request, signed, lang)


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
        appeals=await list_appeals(rt, OPEN, APPEALS_SHOWN, lang),
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


async def _act(request: web.Request, lang: str, action: Action) -> web.StreamResponse:
    """Run one form's action (every form goes through here, signing out included); a refusal
    (a stale or foreign form, a wrong answer) shows the dashboard with its sentence."""
    signed = None
    try:
        signed, form = await _signed_form(request, lang)
        redirect = await action(request, signed.staff, form)
    except _Refused as refused:
        return await _refusal_page(request, signed, lang, refused.message, refused.status)
    except InvalidInput as refusal:
        status = refusal.status if isinstance(refusal, ServiceError) else 422
        message = t(refusal.code, lang, **refusal.params)
        return await _refusal_page(request, signed, lang, message, status)
    raise redirect


def _dashboard_redirect(query: str, lang: str, section: str) -> Redirect:
    english = "&lang=en" if lang == "en" else ""
    return web.HTTPSeeOther(f"/console?{query}{english}#{section}")


async def _refusal_page(request, signed: Signed | None, lang: str, message: str, status: int):
    signed = signed or await _signed_in(request)
    if signed is None:
        raise web.HTTPSeeOther(url("/console/login", lang))
    return await _dashboard(request, signed, lang, message, status)


async def change_tier(request: web.Request) -> web.StreamResponse:
    lang = _lang(request)

    async def action(req: web.Request, staff: StaffView, form: dict[str, str]) -> Redirect:
        adcode = path_value(req, ADCODE)
        tier, note = parse_tier(form.get("tier")), parse_note(form.get("note"))
        published, tally = await publish_and_redecide(req, staff, adcode, tier, note)
        if tally is None:
            query = f"done=tier_running&d={published.district.adcode}&n={published.pending}"
        else:
            query = f"done=tier&d={published.district.adcode}&n={tally.decided}"
        return _dashboard_redirect(query, lang, "districts")

    return await _act(request, lang, action)


async def resolve(request: web.Request) -> web.StreamResponse:
    lang = _lang(request)

    async def action(req: web.Request, staff: StaffView, form: dict[str, str]) -> Redirect:
        rt, appeal_id = req.app[RUNTIME], path_value(req, APPEAL_ID)
        resolution = parse_resolution(form, rt.now(), rt.ruleset.tz)
        done = await resolve_appeal(rt, staff, appeal_id, resolution)
        query = f"done={done.decision}&a={done.id}"
        return _dashboard_redirect(query, lang, "appeals")

    return await _act(request, lang, action)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/console", dashboard),
        web.get("/console/login", login_page),
        web.post("/console/login", login),
        web.post("/console/logout", logout),
        web.post("/console/districts/{adcode}/tier", change_tier),
        web.post("/console/appeals/{appeal_id}/resolve", resolve),
    ]
