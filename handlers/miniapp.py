"""The mini-program's JSON API (docs/architecture.md): log in with ``wx.login``'s code, then read
and file through the same services as the chat, with ``Authorization: Bearer <session token>``.

Each route declares its caller (``@requires("account")``, ``handlers.auth``); refusals are the
``/api`` sub-app's JSON shape (``handlers.errors``) in the account's language, worded for the
mini-program: 422 for a field, 404 for an id the account may not see, 401 for a missing, forged
or expired token.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.app_state import GATEWAY, RUNTIME
from bot.services.access.sessions import open_session
from bot.services.appeals.filing import file_appeal
from bot.services.appeals.history import appeal_history
from bot.services.codes.paper import print_code
from bot.services.errors import Unauthorised
from bot.services.family.transfers import issue_transfer_code, redeem_transfer_code
from bot.services.faq.answers import answer_question
from bot.services.request_keys import HEADER, parse_request_key
from bot.services.residents import miniapp
from bot.services.residents.erasure import erase_account
from bot.wechat import WeChatPermanentError, WeChatTransientError
from handlers import request_bodies as bodies
from handlers.auth import ACCOUNT, mini_program, requires
from handlers.errors import WeChatUnavailable
from handlers.json_input import as_struct, read_body, read_json_object
from handlers.miniapp_faq import faq_answer_json, faq_list_json, faq_query
from handlers.miniapp_forms import (
    appeal_form,
    declaration_form,
    login_form,
    person_id_or_none,
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


@mini_program
async def login(request: web.Request) -> web.Response:
    form = login_form(await read_body(request, bodies.MiniappLogin))
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


@requires("account")
async def me(request: web.Request) -> web.Response:
    account = request[ACCOUNT]
    return json_response(me_json(await miniapp.me(request.app[RUNTIME], account.id)))


@requires("account")
async def erase(request: web.Request) -> web.Response:
    """注销 from the mini-program: the account and its records; the session token dies with it."""
    account = request[ACCOUNT]
    erased = await erase_account(request.app[RUNTIME], account.id)
    kept_until = erased.kept_until.isoformat() if erased.kept_until else None
    return json_response(
        {
            "erased_people": erased.people,
            "kept_until": kept_until,
            "kept_by_family": erased.kept_by_family,
        }
    )


@requires("account")
async def declare(request: web.Request) -> web.Response:
    account = request[ACCOUNT]
    rt = request.app[RUNTIME]
    key = parse_request_key(request.headers.get(HEADER))
    body = await read_json_object(request)
    if body.get("same_as_last") is True:  # declaring again, nothing changed (or a full one)
        again = as_struct(body, bodies.SameAsLast)
        person_id = person_id_or_none(again.person_id)
        shown = await miniapp.declare_same_as_last(rt, account.id, person_id, request_key=key)
        return json_response(code_json(shown), status=200 if shown.replayed else 201)
    today = rt.now().astimezone(rt.ruleset.tz).date()
    form = declaration_form(as_struct(body, bodies.Declaration), today, rt.region)
    shown = await miniapp.declare(
        rt,
        account.id,
        form.answers,
        person_id=form.person_id,
        relation=form.relation,
        request_key=key,
    )
    return json_response(code_json(shown), status=200 if shown.replayed else 201)


@requires("account")
async def code(request: web.Request) -> web.Response:
    account = request[ACCOUNT]
    person_id = person_id_or_none(request.query.get("person_id"))
    shown = await miniapp.show_code(request.app[RUNTIME], account.id, person_id, account.lang)
    return json_response(code_json(shown), headers={"Cache-Control": "no-store"})


@requires("account")
async def issue_code(request: web.Request) -> web.Response:
    """交接码: a one-time code for the own record or a family member's (shown once)."""
    account = request[ACCOUNT]
    form = transfer_code_form(await read_body(request, bodies.TransferCodeRequest))
    issued = await issue_transfer_code(
        request.app[RUNTIME], account.id, form.person_id, form.purpose
    )
    return json_response(issued_json(issued), status=201, headers={"Cache-Control": "no-store"})


@requires("account")
async def redeem_code(request: web.Request) -> web.Response:
    """A 交接码 received: the record is handed over to this account, or it gains a guardian."""
    account = request[ACCOUNT]
    form = transfer_form(await read_body(request, bodies.Transfer))
    accepted = await redeem_transfer_code(
        request.app[RUNTIME], account.id, form.code, form.relation
    )
    return json_response(accepted_json(accepted), status=201)


@requires("account")
async def printed_code(request: web.Request) -> web.Response:
    """A paper code (docs/paper-code.md): printing again revokes the one printed before."""
    account = request[ACCOUNT]
    body = await read_body(request, bodies.PrintedCodeRequest)
    person_id = person_id_or_none(body.person_id)
    printed = await print_code(request.app[RUNTIME], account.id, person_id, account.lang)
    return json_response(printed_json(printed), status=201, headers={"Cache-Control": "no-store"})


@requires("account")
async def appeal(request: web.Request) -> web.Response:
    account = request[ACCOUNT]
    form = appeal_form(await read_body(request, bodies.Appeal))
    view = await file_appeal(request.app[RUNTIME], account.id, form.person_id, form.text)
    return json_response(appeal_json(view), status=201)


@requires("account")
async def faq(request: web.Request) -> web.Response:
    """The FAQ's entries, or with ``?q=`` the answer to one question (kept when none)."""
    account = request[ACCOUNT]
    rt = request.app[RUNTIME]
    if "q" not in request.query:
        return json_response(faq_list_json(rt, account.lang))
    query = faq_query(request.query["q"])
    answered = await answer_question(rt, query, account.lang, FAQ_CHANNEL)
    return json_response(faq_answer_json(rt, query, answered))


@requires("account")
async def appeals(request: web.Request) -> web.Response:
    account = request[ACCOUNT]
    person_id = person_id_or_none(request.query.get("person_id"))
    history = await appeal_history(request.app[RUNTIME], account.id, person_id)
    return json_response(appeals_json(history), headers={"Cache-Control": "no-store"})


def routes() -> list[web.RouteDef]:
    return [
        web.post(f"{PREFIX}/login", login),
        web.get(f"{PREFIX}/me", me),
        web.delete(f"{PREFIX}/me", erase),
        web.post(f"{PREFIX}/declarations", declare),
        web.get(f"{PREFIX}/code", code),
        web.post(f"{PREFIX}/appeals", appeal),
        web.post(f"{PREFIX}/transfer-codes", issue_code),
        web.post(f"{PREFIX}/transfers", redeem_code),
        web.post(f"{PREFIX}/printed-code", printed_code),
        web.get(f"{PREFIX}/appeals", appeals),
        web.get(f"{PREFIX}/faq", faq),
    ]
