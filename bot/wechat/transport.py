"""Sending one notice along its route: the calls to the WeChat gateway, each under its API's
rate limit. The words come from the services, channel-neutral (``bot.services.notices``);
which field of a template or subscribe message shows them is ``bot.wechat.notice_fields``'s.
The gateway runs wechatpy in its own threads and raises our errors only."""

from __future__ import annotations

from bot.services.notices.delivery import Delivery
from bot.services.notices.kinds import MassText, NoticeKind, Text
from bot.services.notices.messages import Message
from bot.services.notices.rendering import code_image_for, message_for
from bot.services.runtime import Runtime
from bot.wechat.api import WeChatGateway
from bot.wechat.api_limits import ApiLimits
from bot.wechat.notice_fields import subscribe_fields, template_fields
from bot.wechat.routes import CUSTOM, MASS, SUBSCRIBE, TEMPLATE, UPLOAD, Route, Unroutable


async def deliver(
    rt: Runtime, gateway: WeChatGateway, limits: ApiLimits, item: Delivery, route: Route
) -> None:
    if item.kind == NoticeKind.CODE_IMAGE:
        await _send_code_image(rt, gateway, limits, item)
        return
    payload = item.payload
    if isinstance(payload, Text):
        openid, text = _recipient(item), payload.text
        await limits.call(CUSTOM, lambda: gateway.send_text(openid, text))
    elif isinstance(payload, MassText):
        openids, text = payload.openids, payload.text
        await limits.call(
            MASS, lambda: gateway.mass_send_text(openids, text, client_msg_id=item.dedupe_key)
        )
    else:
        message = await message_for(rt, item)
        await _send_message(gateway, limits, item, route, message)


async def _send_code_image(
    rt: Runtime, gateway: WeChatGateway, limits: ApiLimits, item: Delivery
) -> None:
    openid = _recipient(item)
    png = await code_image_for(rt, item)
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
        fields = template_fields(message)
        await limits.call(
            TEMPLATE, lambda: gateway.send_template(openid, template_id, fields, message.url)
        )
    elif route.via == SUBSCRIBE:
        fields = subscribe_fields(message)
        await limits.call(
            SUBSCRIBE, lambda: gateway.send_subscribe(openid, template_id, fields, message.page)
        )
    else:
        await limits.call(CUSTOM, lambda: gateway.send_text(openid, message.text))


def _recipient(item: Delivery) -> str:
    """The openid a notice to one account goes to; only a mass send has none (its payload names
    the recipients), and a row without one cannot be sent."""
    if item.openid is None:
        raise Unroutable(f"a {item.kind} notice without an account to send to")
    return item.openid
