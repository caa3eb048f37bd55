"""Sending one notice along its route: the calls to the WeChat gateway, each under its API's
rate limit. The gateway runs wechatpy in its own threads and raises our errors only."""

from __future__ import annotations

from bot.services.cards import qr_for_person
from bot.services.delivery import Delivery
from bot.services.notices import Message, code_change_message
from bot.services.notices_appeal import appeal_reply_message
from bot.services.notices_family import family_change_message
from bot.services.notices_reminder import reminder_message
from bot.services.notices_routes import CUSTOM, MASS, SUBSCRIBE, TEMPLATE, UPLOAD, Route
from bot.services.outbox import (
    APPEAL_REPLY,
    CODE_CHANGED,
    CODE_IMAGE,
    FAMILY_CHANGED,
    MASS_TEXT,
    REMINDER,
    TEXT,
)
from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway
from schedules.ratelimit import ApiLimits

RENDERERS = {
    CODE_CHANGED: code_change_message,
    REMINDER: reminder_message,
    APPEAL_REPLY: appeal_reply_message,
    FAMILY_CHANGED: family_change_message,
}


async def deliver(
    rt: Runtime, gateway: WeChatGateway, limits: ApiLimits, item: Delivery, route: Route
) -> None:
    if item.kind == CODE_IMAGE:
        await _send_code_image(rt, gateway, limits, item)
    elif item.kind == TEXT:
        await limits.call(CUSTOM, lambda: gateway.send_text(item.openid, item.payload["text"]))
    elif item.kind == MASS_TEXT:
        openids, text = item.payload["openids"], item.payload["text"]
        await limits.call(
            MASS, lambda: gateway.mass_send_text(openids, text, client_msg_id=item.dedupe_key)
        )
    else:
        message = await RENDERERS[item.kind](rt, item.payload, item.lang)
        await _send_message(gateway, limits, item, route, message)


async def _send_code_image(
    rt: Runtime, gateway: WeChatGateway, limits: ApiLimits, item: Delivery
) -> None:
    png = await qr_for_person(rt, item.payload["person"])
    media_id = await limits.call(UPLOAD, lambda: gateway.upload_image(png))
    await limits.call(CUSTOM, lambda: gateway.send_image(item.openid, media_id))


async def _send_message(
    gateway: WeChatGateway, limits: ApiLimits, item: Delivery, route: Route, message: Message
) -> None:
    openid, template_id = item.openid, route.template_id
    if route.via == TEMPLATE:
        await limits.call(
            TEMPLATE,
            lambda: gateway.send_template(openid, template_id, message.template, message.url),
        )
    elif route.via == SUBSCRIBE:
        await limits.call(
            SUBSCRIBE,
            lambda: gateway.send_subscribe(openid, template_id, message.subscribe, message.page),
        )
    else:
        await limits.call(CUSTOM, lambda: gateway.send_text(openid, message.text))
