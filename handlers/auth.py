"""Who may call a route, declared on it: ``@requires("account")`` (a mini-program session),
``@requires("checkpoint")`` or ``@requires("official")`` (a staff member's bearer token).

The declaration checks the bearer token before the handler runs and leaves what it named in the
request (``request[ACCOUNT]``, ``request[STAFF]``); a missing, forged or expired one is the
service's ``Unauthorised`` (401), a staff member of another role its ``Forbidden`` (403), which
the sub-app's middleware answers. A handler never authenticates by hand. The credentials
themselves are cached per process for a few seconds (``bot.services.access.credentials``).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Literal

from aiohttp import web

from bot.app_state import RUNTIME
from bot.services.access.sessions import SessionAccount, session_account
from bot.services.access.staff import StaffView, authenticate
from handlers.language import CALLER, LANG

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Caller = Literal["account", "checkpoint", "official"]
MINIAPP = "miniapp"  # the realm and the wording of the mini-program's refusals

ACCOUNT = web.RequestKey("account", SessionAccount)
STAFF = web.RequestKey("staff", StaffView)


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def requires(caller: Caller) -> Callable[[Handler], Handler]:
    def declare(handler: Handler) -> Handler:
        if caller == "account":

            @functools.wraps(handler)
            async def signed_in(request: web.Request) -> web.StreamResponse:
                request[CALLER] = MINIAPP
                account = await session_account(request.app[RUNTIME], bearer_token(request))
                request[ACCOUNT], request[LANG] = account, account.lang
                return await handler(request)

            return signed_in

        @functools.wraps(handler)
        async def staff_only(request: web.Request) -> web.StreamResponse:
            request[CALLER] = caller
            token = bearer_token(request)
            request[STAFF] = await authenticate(request.app[RUNTIME], token, caller)
            return await handler(request)

        return staff_only

    return declare


def mini_program(handler: Handler) -> Handler:
    """A mini-program route open to anyone (its log-in): refused in the mini-program's words."""

    @functools.wraps(handler)
    async def for_the_mini_program(request: web.Request) -> web.StreamResponse:
        request[CALLER] = MINIAPP
        return await handler(request)

    return for_the_mini_program
