"""Sending one notice along its route: the calls to the WeChat gateway, each under its API's
rate limit. The gateway runs wechatpy in its own threads and raises our errors only."""

from __future__ import annotations

from bot.services.codes.cards import qr_for_person
from bot.services.notices.appeal_answer import appeal_reply_message
from bot.services.notices.code_change import Message, code_change_message
from bot.services.notices.delivery import Delivery
from bot.services.notices.family_change import family_change_message
from bot.services.notices.outbox import (
    APPEAL_REPLY,
    CODE_CHANGED,
    CODE_IMAGE,
    FAMILY_CHANGED,
    MASS_TEXT,
    REMINDER,
    TEXT,
)
from bot.services.notices.reminder import reminder_message
from bot.services.notices.routes import (
    CUSTOM,
    MASS,
    SUBSCRIBE,
    TEMPLATE,
    UPLOAD,
    Route,
    Unroutable,
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
        openid = _recipient(item)
        await limits.call(CUSTOM, lambda: gateway.send_text(openid, item.payload["text"]))
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
    openid = _recipient(item)
    png = await qr_for_person(rt, item.payload["person"])
    media_id = await limits.call(UPLOAD, lambda: gateway.upload_image(png))
    await limits.call(CUSTOM, lambda: gateway.send_image(openid, media_id))


async def _send_message(
    gateway: WeChatGateway, limits: ApiLimits, item: Delivery, route: Route, message: Message
) -> None:
    openid = _recipient(item)
    if route.via in (TEMPLATE, SUBSCRIBE) and route.template_id is None:
        raise Unroutable(f"no template id for a {route.via} message")
    template_id = route.template_id or ""
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


def _recipient(item: Delivery) -> str:
    """The openid a notice to one account goes to; only a mass send has none (its payload names
    the recipients), and a row without one cannot be sent."""
    if item.openid is None:
        raise Unroutable(f"a {item.kind} notice without an account to send to")
    return item.openid
