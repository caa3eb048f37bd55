"""The official account's callback URL: ``GET /wechat`` (URL check) and ``POST /wechat``."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

from aiohttp import web

from bot.appkeys import CODEC, DIALOGUES, LIMITS, RUNTIME
from bot.conversation.inbound import Inbound
from bot.conversation.inbox import handle
from bot.metrics import RATE_LIMITED
from bot.services.accounts import OFFICIAL_ACCOUNT, language_of
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
    return web.Response(text=q.get("echostr", ""))


async def receive(request: web.Request) -> web.Response:
    settings = request.app[RUNTIME].settings
    q = request.query
    if not check_signature(
        settings.wechat_token, q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", "")
    ):
        raise web.HTTPForbidden(text="bad signature")
    body = await request.content.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=len(body))
    incoming = _parse(request, body)
    reply = await _answer_unless_too_fast(request, incoming)
    codec = request.app[CODEC]
    xml = codec.reply_text(
        incoming, reply, nonce=secrets.token_hex(8), timestamp=str(int(time.time()))
    )
    return web.Response(text=xml, content_type="application/xml" if reply else "text/plain")


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


async def _answer_unless_too_fast(request: web.Request, incoming: Incoming) -> str | None:
    """DESIGN §7: a per-account message rate. A flood is dropped unread; the first refused
    message of a run is told how long to wait, the rest get no reply, so a flood of messages
    does not become a flood of replies (or of database reads)."""
    if incoming.event == "location":
        return await _answer(request, incoming)  # the phone's own report, every few seconds
    verdict = request.app[LIMITS].messages.take((OFFICIAL_ACCOUNT, incoming.from_user))
    if verdict.allowed:
        return await _answer(request, incoming)
    RATE_LIMITED.labels("messages").inc()
    if not verdict.first_refusal:
        return None
    lang = await language_of(OFFICIAL_ACCOUNT, incoming.from_user)
    return t("dialogue.too_fast", lang, seconds=verdict.retry_after_seconds)


async def _answer(request: web.Request, incoming: Incoming) -> str | None:
    rt = request.app[RUNTIME]
    inbound = _inbound(incoming)
    try:
        return await asyncio.wait_for(
            asyncio.shield(handle(rt, request.app[DIALOGUES], inbound)), REPLY_BUDGET_SECONDS
        )
    except TimeoutError:
        # The work goes on (shielded) and records its reply; WeChat's retry will get it.
        log.warning("reply budget exceeded; the retry will be answered from the record")
        return None
    except Exception:
        log.exception("a message could not be handled")
        return t("dialogue.busy")


def _inbound(incoming: Incoming) -> Inbound:
    return Inbound(
        channel=OFFICIAL_ACCOUNT,
        openid=incoming.from_user,
        kind=incoming.kind,
        dedup_key=f"{OFFICIAL_ACCOUNT}:{incoming.dedup_key}",
        text=incoming.content,
        event=incoming.event,
        event_key=incoming.event_key,
        latitude=incoming.latitude,
        longitude=incoming.longitude,
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/wechat", verify_url), web.post("/wechat", receive)]
