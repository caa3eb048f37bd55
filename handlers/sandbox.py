"""``GET /_sandbox/messages``: what the WeChat sandbox kept for one openid, for `healthcode chat`.

Mounted only while the sandbox is on (development without WeChat credentials), and answering
only callers on this machine: the messages are residents' notices, even in development.

``?openid=…&after=N&wait=S`` answers ``{"cursor", "messages"}``: the messages with an id above
``after``, waiting up to ``S`` seconds (at most 25) for the first one to arrive; ``cursor`` is
the newest id the sandbox gave anyone, where the next poll starts.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web

from bot.wechat.sandbox_api import SANDBOX
from handlers.errors import error_response
from handlers.responses import json_response

_OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")
T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def from_this_machine(request: web.Request) -> bool:
    """Whether the caller is on loopback, or at the very address it reached the server on (a
    server bound to one of this machine's addresses calls its own sandbox from there)."""
    remote = request.remote or ""
    try:
        if ipaddress.ip_address(remote).is_loopback:
            return True
    except ValueError:
        return False
    transport = request.transport
    local = transport.get_extra_info("sockname") if transport is not None else None
    return isinstance(local, tuple) and remote == local[0]


@web.middleware
async def this_machine_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """For the sandbox's API: nobody but this machine's own processes may send through it."""
    if not from_this_machine(request):
        return error_response(403, "sandbox.local_only", "the WeChat sandbox answers loopback only")
    return await handler(request)


async def messages(request: web.Request) -> web.Response:
    if not from_this_machine(request):
        return error_response(403, "sandbox.local_only", "the WeChat sandbox answers loopback only")
    openid = request.query.get("openid", "")
    if not _OPENID.fullmatch(openid):
        return error_response(422, "sandbox.openid", "openid: 1 to 64 of A-Z a-z 0-9 _ -", "openid")
    after = _number(request.query.get("after", "0"), int)
    if after is None or after < 0:
        return error_response(422, "sandbox.after", "after: a whole number, 0 or more", "after")
    wait = _number(request.query.get("wait", "0"), float)
    if wait is None or not math.isfinite(wait) or wait < 0:
        return error_response(422, "sandbox.wait", "wait: seconds, 0 or more", "wait")
    sandbox = request.config_dict[SANDBOX]
    found = await sandbox.wait_for(openid, after, wait)
    return json_response({"cursor": sandbox.last_id, "messages": sandbox.shown(found)})


def _number(raw: str, kind: Callable[[str], T]) -> T | None:
    try:
        return kind(raw)
    except ValueError:
        return None


def routes() -> list[web.RouteDef]:
    return [web.get("/_sandbox/messages", messages)]
