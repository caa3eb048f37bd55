"""A notice's message as the fields of a WeChat template message (official account) or
subscribe message (mini-program): which part of the channel-neutral ``Message`` goes in which
field, per kind. The field names are those of the templates configured on the platform for
each kind (``WECHAT_TEMPLATE_*``, ``MINIAPP_TEMPLATE_*``; docs/notices.md); a subscribe
message's ``thing`` fields are cut to WeChat's length when sent (``bot.wechat.payloads``).
"""

from __future__ import annotations

from bot.services.notices.kinds import NoticeKind
from bot.services.notices.messages import Message

# field name -> the Message attribute it shows
_EVENT_TEMPLATE = {
    "first": "title",
    "keyword1": "name",
    "keyword2": "what",
    "keyword3": "when",
    "remark": "remark",
}
_EVENT_SUBSCRIBE = {"thing1": "name", "thing2": "what", "time3": "when", "thing4": "note"}

TEMPLATE_FIELDS: dict[str, dict[str, str]] = {
    NoticeKind.CODE_CHANGED: _EVENT_TEMPLATE,
    NoticeKind.APPEAL_REPLY: _EVENT_TEMPLATE,
    NoticeKind.FAMILY_CHANGED: _EVENT_TEMPLATE,
    NoticeKind.REMINDER: {
        "first": "title",
        "keyword1": "name",
        "keyword2": "what",
        "remark": "remark",
    },
}
SUBSCRIBE_FIELDS: dict[str, dict[str, str]] = {
    NoticeKind.CODE_CHANGED: _EVENT_SUBSCRIBE | {"thing2": "what_short"},
    NoticeKind.APPEAL_REPLY: _EVENT_SUBSCRIBE,
    NoticeKind.FAMILY_CHANGED: _EVENT_SUBSCRIBE,
    NoticeKind.REMINDER: {"thing1": "title", "thing2": "name", "thing3": "what", "thing4": "note"},
}


def template_fields(message: Message) -> dict[str, str]:
    return _fields(message, TEMPLATE_FIELDS[message.kind])


def subscribe_fields(message: Message) -> dict[str, str]:
    return _fields(message, SUBSCRIBE_FIELDS[message.kind])


def _fields(message: Message, layout: dict[str, str]) -> dict[str, str]:
    return {name: _part(message, part) for name, part in layout.items()}


def _part(message: Message, part: str) -> str:
    if part == "what_short":
        return message.what_short or message.what
    value = getattr(message, part)
    assert isinstance(value, str)
    return value
