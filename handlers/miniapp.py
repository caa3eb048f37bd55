"""The mini-program's JSON API (docs/architecture.md): log in with ``wx.login``'s code, then read
and file through the same services as the chat, with ``Authorization: Bearer <session token>``.

Refusals answer ``{"error": {"code", "message", "field"?}}`` in the account's language: 422 for
a field, 404 for an id the account may not see, 401 for a missing, forged or expired token.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.app_state import GATEWAY, RUNTIME
from bot.health.errors import InvalidInput
from bot.services.access.sessions import SessionAccount, open_session, session_account
from bot.services.appeals.filing import file_appeal
from bot.services.appeals.history import appeal_history
from bot.services.codes.paper import print_code
from bot.services.errors import ServiceError, TooFast, Unauthorised
from bot.services.family.transfers import issue_transfer_code, redeem_transfer_code
from bot.services.faq.answers import answer_question
from bot.services.request_keys import HEADER, parse_request_key
from bot.services.residents import miniapp
from bot.services.residents.erasure import erase_account
from bot.texts import catalogue, t
from bot.wechat import WeChatPermanentError, WeChatTransientError
from handlers.auth import bearer_token
from handlers.errors import error_response, json_body
from handlers.miniapp_faq import faq_answer_json, faq_list_json, faq_query
from handlers.miniapp_forms import (
    appeal_form,
    declaration_form,
    login_form,
    person_id_or_none,
    printed_code_form,
    same_as_last_form,
    transfer_code_form,
    transfer_form,
)
from handlers.miniapp_views import (
    accepted_json,
    appeal_json,
    appeals_json,
    code_json,
    issued_json,
    me_json,
    printed_json,
)
from handlers.responses import json_response

log = logging.getLogger(__name__)
PREFIX = "/api/miniapp"
# jscode2session's answers that mean "this code will never work": log in again
_BAD_CODE = frozenset({40029, 40163, 41008})
FAQ_CHANNEL = "miniapp"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AccountHandler = Callable[[web.Request, SessionAccount], Awaitable[web.StreamResponse]]


class WeChatUnavailable(ServiceError):
    status = 503


# the signed-in account's language, for the refusals of the rest of the request
LANG = web.RequestKey("miniapp_lang", str)


def answering(handler: Handler) -> Handler:
    """Turn the handler's refusals into the JSON error shape, in the account's language once
    the token has named it, else in the request's."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except InvalidInput as exc:
            return _refusal(exc, request.get(LANG) or _request_lang(request))

    return wrapped


def signed_in(handler: AccountHandler) -> Handler:
    """``handler`` with the account the bearer token names; 401 without a valid one."""

    async def with_account(request: web.Request) -> web.StreamResponse:
        account = await session_account(request.app[RUNTIME], bearer_token(request))
        request[LANG] = account.lang
        return await handler(request, account)

    return answering(with_account)


def _refusal(exc: InvalidInput, lang: str) -> web.Response:
    status = exc.status if isinstance(exc, ServiceError) else 422
    field = exc.field if status == 422 else None
    response = error_response(status, exc.code, _message(exc, lang), field=field)
    if isinstance(exc, Unauthorised):
        response.headers["WWW-Authenticate"] = 'Bearer realm="miniapp", error="invalid_token"'
    if isinstance(exc, TooFast):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _message(exc: InvalidInput, lang: str) -> str:
    # The chat's sentences say "reply 申领"; where one does, the mini-program has its own.
    instead = f"miniapp.instead.{exc.code}"
    return t(instead if instead in catalogue(lang) else exc.code, lang, **exc.params)


def _request_lang(request: web.Request) -> str:
    return "en" if request.headers.get("Accept-Language", "").startswith("en") else "zh"


async def login(request: web.Request) -> web.Response:
    form = login_form(await json_body(request))
    try:
        info = await request.app[GATEWAY].code_to_session(form.code)
    except WeChatPermanentError as exc:
        if exc.errcode in _BAD_CODE:
            raise Unauthorised("miniapp.login_code") from None
        log.error("jscode2session refused: %s", exc.errcode)
        raise WeChatUnavailable("miniapp.wechat_unavailable") from None
    except WeChatTransientError as exc:
        log.warning("jscode2session failed for now: %s", exc.errcode)
        raise WeChatUnavailable("miniapp.wechat_unavailable") from None
    # info.session_key is dropped here: we decrypt no user data, so it is kept nowhere
    session = await open_session(request.app[RUNTIME], info.openid, form.lang)
    return json_response({"token": session.token, "expires_in": session.expires_in})


async def me(request: web.Request, account: SessionAccount) -> web.Response:
    return json_response(me_json(await miniapp.me(request.app[RUNTIME], account.id)))


async def erase(request: web.Request, account: SessionAccount) -> web.Response:
    """注销 from the mini-program: the account and its records; the session token dies with it."""
    erased = await erase_account(request.app[RUNTIME], account.id)
    kept_until = erased.kept_until.isoformat() if erased.kept_until else None
    return json_response(
        {
            "erased_people": erased.people,
            "kept_until": kept_until,
            "kept_by_family": erased.kept_by_family,
        }
    )


async def declare(request: web.Request, account: SessionAccount) -> web.Response:
    rt = request.app[RUNTIME]
    key = parse_request_key(request.headers.get(HEADER))
    body = await json_body(request)
    again = same_as_last_form(body)
    if again is not None:
        shown = await miniapp.declare_same_as_last(rt, account.id, again.person_id, request_key=key)
        return json_response(code_json(shown), status=200 if shown.replayed else 201)
    today = rt.now().astimezone(rt.ruleset.tz).date()
    form = declaration_form(body, today, rt.region)
    shown = await miniapp.declare(
        rt,
        account.id,
        form.answers,
        person_id=form.person_id,
        relation=form.relation,
        request_key=key,
    )
    return json_response(code_json(shown), status=200 if shown.replayed else 201)


async def code(request: web.Request, account: SessionAccount) -> web.Response:
    person_id = person_id_or_none(request.query.get("person_id"))
    shown = await miniapp.show_code(request.app[RUNTIME], account.id, person_id, account.lang)
    return json_response(code_json(shown), headers={"Cache-Control": "no-store"})


async def issue_code(request: web.Request, account: SessionAccount) -> web.Response:
    """交接码: a one-time code for the own record or a family member's (shown once)."""
    form = transfer_code_form(await json_body(request))
    issued = await issue_transfer_code(
        request.app[RUNTIME], account.id, form.person_id, form.purpose
    )
    return json_response(issued_json(issued), status=201, headers={"Cache-Control": "no-store"})


async def redeem_code(request: web.Request, account: SessionAccount) -> web.Response:
    """A 交接码 received: the record is handed over to this account, or it gains a guardian."""
    form = transfer_form(await json_body(request))
    accepted = await redeem_transfer_code(
        request.app[RUNTIME], account.id, form.code, form.relation
    )
    return json_response(accepted_json(accepted), status=201)


async def printed_code(request: web.Request, account: SessionAccount) -> web.Response:
    """A paper code (docs/paper-code.md): printing again revokes the one printed before."""
    person_id = printed_code_form(await json_body(request))
    printed = await print_code(request.app[RUNTIME], account.id, person_id, account.lang)
    return json_response(printed_json(printed), status=201, headers={"Cache-Control": "no-store"})


async def appeal(request: web.Request, account: SessionAccount) -> web.Response:
    form = appeal_form(await json_body(request))
    view = await file_appeal(request.app[RUNTIME], account.id, form.person_id, form.text)
    return json_response(appeal_json(view), status=201)


async def faq(request: web.Request, account: SessionAccount) -> web.Response:
    """The FAQ's entries, or with ``?q=`` the answer to one question (kept when none)."""
    rt = request.app[RUNTIME]
    if "q" not in request.query:
        return json_response(faq_list_json(rt, account.lang))
    query = faq_query(request.query["q"])
    answered = await answer_question(rt, query, account.lang, FAQ_CHANNEL)
    return json_response(faq_answer_json(rt, query, answered))


async def appeals(request: web.Request, account: SessionAccount) -> web.Response:
    person_id = person_id_or_none(request.query.get("person_id"))
    history = await appeal_history(request.app[RUNTIME], account.id, person_id)
    return json_response(appeals_json(history), headers={"Cache-Control": "no-store"})


def routes() -> list[web.RouteDef]:
    return [
        web.post(f"{PREFIX}/login", answering(login)),
        web.get(f"{PREFIX}/me", signed_in(me)),
        web.delete(f"{PREFIX}/me", signed_in(erase)),
        web.post(f"{PREFIX}/declarations", signed_in(declare)),
        web.get(f"{PREFIX}/code", signed_in(code)),
        web.post(f"{PREFIX}/appeals", signed_in(appeal)),
        web.post(f"{PREFIX}/transfer-codes", signed_in(issue_code)),
        web.post(f"{PREFIX}/transfers", signed_in(redeem_code)),
        web.post(f"{PREFIX}/printed-code", signed_in(printed_code)),
        web.get(f"{PREFIX}/appeals", signed_in(appeals)),
        web.get(f"{PREFIX}/faq", signed_in(faq)),
    ]
