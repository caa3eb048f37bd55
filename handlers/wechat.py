"""The official account's callback URL: ``GET /wechat`` (URL check) and ``POST /wechat``.

A callback is refused by raising what is wrong with it (``bot.wechat.BadCallback`` and its kin,
``Replayed``, ``NoncesUnavailable``, ``NotTheSender``); the sub-app's one middleware,
``wechat_errors``, logs it and answers its plain status. WeChat reads only the status, and a
forger learns nothing more from the word that comes with it."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.app_state import CODEC, DIALOGUES, LIMITS, RUNTIME
from bot.conversation.inbound import Inbound
from bot.conversation.inbox import handle
from bot.metrics import RATE_LIMITED
from bot.services.callbacks.replay import NoncesUnavailable, Replayed, bind_nonce, nonce_key
from bot.services.residents.accounts import Channel, language_of
from bot.texts import t
from bot.wechat import (
    MAX_BODY_BYTES,
    BadCallback,
    ForgedCallback,
    Incoming,
    StaleCallback,
    check_signature,
)

log = logging.getLogger(__name__)
# WeChat drops a reply that takes longer than 5 s and retries; answer well inside it.
REPLY_BUDGET_SECONDS = 4.5


class NotTheSender(Exception):
    """The URL's ``openid`` is not the message's sender (the signature covers no body in
    plaintext mode, so a signed URL must not carry somebody else's message)."""


Refusal = type[web.HTTPException]
# Each refusal's status and word, by the nearest class in its ancestry (the subclasses first).
REFUSALS: dict[type[Exception], tuple[Refusal, str]] = {
    StaleCallback: (web.HTTPForbidden, "stale timestamp"),
    ForgedCallback: (web.HTTPForbidden, "bad signature"),
    BadCallback: (web.HTTPBadRequest, "not a WeChat message"),
    NotTheSender: (web.HTTPForbidden, "openid is not the sender"),
    Replayed: (web.HTTPForbidden, "replayed"),
    NoncesUnavailable: (web.HTTPServiceUnavailable, "try again"),
}
_REFUSED = tuple(REFUSALS)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def wechat_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The ``/wechat`` sub-app's one middleware: a refused callback, logged (its reason, never
    its body) and answered with its status."""
    try:
        return await handler(request)
    except _REFUSED as refused:
        status, word = next(REFUSALS[k] for k in type(refused).__mro__ if k in REFUSALS)
        log.warning("refused a callback: %s", _reason(refused))
        raise status(text=word) from None


def _reason(refused: Exception) -> str:
    if isinstance(refused, BadCallback):
        return refused.reason
    return (type(refused).__doc__ or type(refused).__name__).strip().splitlines()[0]


async def verify_url(request: web.Request) -> web.Response:
    q = request.query
    if not check_signature(
        request.app[RUNTIME].settings.wechat_token,
        q.get("signature", ""),
        q.get("timestamp", ""),
        q.get("nonce", ""),
    ):
        raise ForgedCallback("bad signature")
    request.app[CODEC].check_fresh(q.get("timestamp", ""))
    return web.Response(text=q.get("echostr", ""))


async def receive(request: web.Request) -> web.Response:
    settings = request.app[RUNTIME].settings
    q = request.query
    if not check_signature(
        settings.wechat_token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", "")
    ):
        raise ForgedCallback("bad signature")
    # WeChat's 5-minute window, before the body is read: a stale call costs nothing more
    request.app[CODEC].check_fresh(q.get("timestamp", ""))
    body = await request.content.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=len(body))
    incoming = _parse(request, body)
    if q.get("openid") != incoming.from_user:
        raise NotTheSender()
    reply = await _answer_once(request, incoming)
    codec = request.app[CODEC]
    xml = codec.reply_text(
        incoming, reply, nonce=secrets.token_hex(8), timestamp=str(int(time.time()))
    )
    return web.Response(text=xml, content_type="application/xml" if reply else "text/plain")


def _parse(request: web.Request, body: bytes) -> Incoming:
    q = request.query
    return request.app[CODEC].parse(
        body,
        signature=q.get("signature", ""),
        timestamp=q.get("timestamp", ""),
        nonce=q.get("nonce", ""),
        msg_signature=q.get("msg_signature"),
        encrypt_type=q.get("encrypt_type"),
    )


async def _answer_once(request: web.Request, incoming: Incoming) -> str | None:
    """The reply, once the request's nonce is bound to this message
    (bot.services.callbacks.replay)."""
    q = request.query
    message_key = f"{Channel.OFFICIAL_ACCOUNT}:{incoming.dedup_key}"
    signed_nonce = nonce_key(q["timestamp"], q.get("nonce", ""))
    nonce = await bind_nonce(request.app[RUNTIME], signed_nonce, message_key)
    return await _answer_unless_too_fast(request, _inbound(incoming, message_key, nonce))


async def _answer_unless_too_fast(request: web.Request, inbound: Inbound) -> str | None:
    """A per-account message rate (docs/architecture.md). A flood is dropped unread; the first
    refused message of a run is told how long to wait, the rest get no reply, so a flood of messages
    does not become a flood of replies (or of database reads)."""
    if inbound.event == "location":
        return await _answer(request, inbound)  # the phone's own report, every few seconds
    verdict = await request.app[LIMITS].messages.take((Channel.OFFICIAL_ACCOUNT, inbound.openid))
    if verdict.allowed:
        return await _answer(request, inbound)
    RATE_LIMITED.labels("messages").inc()
    if not verdict.first_refusal:
        return None
    lang = await language_of(Channel.OFFICIAL_ACCOUNT, inbound.openid)
    return t("dialogue.too_fast", lang, seconds=verdict.retry_after_seconds)


async def _answer(request: web.Request, inbound: Inbound) -> str | None:
    rt = request.app[RUNTIME]
    try:
        return await asyncio.wait_for(
            asyncio.shield(handle(rt, request.app[DIALOGUES], inbound)), REPLY_BUDGET_SECONDS
        )
    except Replayed:
        raise
    except TimeoutError:
        # The work goes on (shielded) and records its reply; WeChat's retry will get it.
        log.warning("reply budget exceeded; the retry will be answered from the record")
        return None
    except Exception:
        log.exception("a message could not be handled")
        return t("dialogue.busy")


def _inbound(incoming: Incoming, message_key: str, nonce: str | None) -> Inbound:
    return Inbound(
        channel=Channel.OFFICIAL_ACCOUNT,
        openid=incoming.from_user,
        kind=incoming.kind,
        dedup_key=message_key,
        nonce=nonce,
        text=incoming.content,
        event=incoming.event,
        event_key=incoming.event_key,
        latitude=incoming.latitude,
        longitude=incoming.longitude,
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/wechat", verify_url), web.post("/wechat", receive)]
