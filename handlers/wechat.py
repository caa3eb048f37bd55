"""The official account's callback URL: ``GET /wechat`` (URL check) and ``POST /wechat``."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

from aiohttp import web

from bot.app_state import CODEC, DIALOGUES, LIMITS, RUNTIME
from bot.conversation.inbound import Inbound
from bot.conversation.inbox import handle
from bot.metrics import RATE_LIMITED
from bot.services.callbacks.replay import NoncesUnavailable, Replayed, bind_nonce, nonce_key
from bot.services.residents.accounts import Channel, language_of
from bot.texts import t
from bot.wechat import MAX_BODY_BYTES, BadCallback, Incoming, check_signature

log = logging.getLogger(__name__)
# WeChat drops a reply that takes longer than 5 s and retries; answer well inside it.
REPLY_BUDGET_SECONDS = 4.5


async def verify_url(request: web.Request) -> web.Response:
    q = request.query
    if not check_signature(
        request.app[RUNTIME].settings.wechat_token,
        q.get("signature", ""),
        q.get("timestamp", ""),
        q.get("nonce", ""),
    ):
        raise web.HTTPForbidden(text="bad signature")
    _check_fresh(request)
    return web.Response(text=q.get("echostr", ""))


async def receive(request: web.Request) -> web.Response:
    settings = request.app[RUNTIME].settings
    q = request.query
    if not check_signature(
        settings.wechat_token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", "")
    ):
        raise web.HTTPForbidden(text="bad signature")
    _check_fresh(request)
    body = await request.content.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=len(body))
    incoming = _parse(request, body)
    if q.get("openid") != incoming.from_user:
        # the signature covers no body in plaintext mode: the URL's openid must be the sender
        log.warning("refused a callback: its openid is not the message's sender")
        raise web.HTTPForbidden(text="openid is not the sender")
    try:
        reply = await _answer_once(request, incoming)
    except Replayed:
        log.warning("refused a callback: its nonce came with another message")
        raise web.HTTPForbidden(text="replayed") from None
    except NoncesUnavailable:
        raise web.HTTPServiceUnavailable(text="try again") from None
    codec = request.app[CODEC]
    xml = codec.reply_text(
        incoming, reply, nonce=secrets.token_hex(8), timestamp=str(int(time.time()))
    )
    return web.Response(text=xml, content_type="application/xml" if reply else "text/plain")


def _check_fresh(request: web.Request) -> None:
    """WeChat's 5-minute window (before the body is read: a stale call costs nothing more)."""
    try:
        request.app[CODEC].check_fresh(request.query.get("timestamp", ""))
    except BadCallback as exc:
        log.warning("refused a callback: %s", exc.reason)
        raise web.HTTPForbidden(text="stale timestamp") from exc


def _parse(request: web.Request, body: bytes) -> Incoming:
    q = request.query
    try:
        return request.app[CODEC].parse(
            body,
            signature=q.get("signature", ""),
            timestamp=q.get("timestamp", ""),
            nonce=q.get("nonce", ""),
            msg_signature=q.get("msg_signature"),
            encrypt_type=q.get("encrypt_type"),
        )
    except BadCallback as exc:
        log.warning("refused a callback: %s", exc.reason)
        if "signature" in exc.reason or "appid" in exc.reason:
            raise web.HTTPForbidden(text="bad signature") from exc
        raise web.HTTPBadRequest(text="not a WeChat message") from exc


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
