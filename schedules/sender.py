"""The outbox sender: deliver due notices through the WeChat gateway, never on a request path."""

from __future__ import annotations

import logging

from bot.services import delivery
from bot.services.cards import qr_for_person
from bot.services.delivery import Delivery
from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway, WeChatPermanentError, WeChatTransientError

log = logging.getLogger(__name__)
BATCH = 50


async def send_due_notices(rt: Runtime, gateway: WeChatGateway, batch: int = BATCH) -> int:
    """Deliver one batch; returns how many were sent."""
    sent = 0
    for item in await delivery.claim_due(rt, batch):
        try:
            await _deliver(rt, gateway, item)
        except WeChatPermanentError as exc:
            log.warning("notice %s refused for good: %s %s", item.id, exc.errcode, exc.errmsg)
            await delivery.mark_failed(rt, item.id, f"{exc.errcode}: {exc.errmsg}")
        except WeChatTransientError as exc:
            log.info("notice %s will be retried: %s %s", item.id, exc.errcode, exc.errmsg)
            await delivery.mark_retry(rt, item, f"{exc.errcode}: {exc.errmsg}")
        else:
            await delivery.mark_sent(rt, item.id)
            sent += 1
    if sent:
        log.info("sent %d notices", sent)
    return sent


async def _deliver(rt: Runtime, gateway: WeChatGateway, item: Delivery) -> None:
    if item.kind == "code_image":
        png = await qr_for_person(rt, item.payload["person"])
        media_id = await gateway.upload_image(png)
        await gateway.send_image(item.openid, media_id)
    elif item.kind == "text":
        await gateway.send_text(item.openid, item.payload["text"])
    else:
        raise WeChatPermanentError(None, f"unknown notice kind {item.kind}")
