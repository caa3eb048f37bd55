"""A claimed notice, ready for a channel to carry: the words of a message, or the code image,
written from the live records at sending time. What it is about being gone raises ``Void`` (or
``NotFound``), its no longer being true ``Superseded``."""

from __future__ import annotations

from bot.services.codes.cards import qr_for_person
from bot.services.notices.appeal_answer import appeal_reply_message
from bot.services.notices.code_change import code_change_message
from bot.services.notices.delivery import Delivery
from bot.services.notices.family_change import family_change_message
from bot.services.notices.kinds import AppealReply, CodeChanged, CodeImage, FamilyChanged, Reminder
from bot.services.notices.messages import Message
from bot.services.notices.reminder import reminder_message
from bot.services.runtime import Runtime


class NoMessage(TypeError):
    """A notice of a kind that carries no written message (a text, an image, a mass send)."""


async def message_for(rt: Runtime, item: Delivery) -> Message:
    payload = item.payload
    if isinstance(payload, CodeChanged):
        return await code_change_message(rt, payload, item.lang)
    if isinstance(payload, Reminder):
        return await reminder_message(rt, payload, item.lang)
    if isinstance(payload, AppealReply):
        return await appeal_reply_message(rt, payload, item.lang)
    if isinstance(payload, FamilyChanged):
        return await family_change_message(rt, payload, item.lang)
    raise NoMessage(f"a {item.kind} notice has no written message")


async def code_image_for(rt: Runtime, item: Delivery) -> bytes:
    """The QR image of a code-image notice, with a fresh token."""
    payload = item.payload
    if not isinstance(payload, CodeImage):
        raise NoMessage(f"a {item.kind} notice has no code image")
    return await qr_for_person(rt, payload.person)
