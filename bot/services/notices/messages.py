"""What a notice says, written when it is sent, in no channel's format (docs/notices.md).

Each kind's words come from its module (``code_change``, ``reminder``, ``appeal_answer``,
``family_change``) as one ``Message``: the whole text, for a channel that carries text, and
its parts (a title, whom it is about, what happened, when, a remark), for a channel whose
messages are forms. Which part goes in which field of a WeChat template or subscribe message
is the WeChat adapter's business (``bot.wechat.notice_fields``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.services.runtime import Runtime


@dataclass(frozen=True)
class Message:
    kind: str  # the notice's kind: its fields are laid out by kind
    text: str  # the whole message, as one text
    title: str
    name: str  # whom it is about, masked
    what: str  # what happened (or, for a reminder, when the person last declared)
    remark: str
    note: str  # the one short line a narrow form ends with
    url: str  # the code page
    page: str  # the mini-program page
    when: str = ""  # when it happened, local time
    what_short: str = ""  # ``what`` in plain words, for a narrow field; empty: ``what``


class Superseded(Exception):
    """The notice no longer says the truth: the row ends without a message."""


class Void(Exception):
    """What the notice is about is gone (the person deleted their records)."""


Renderer = Callable[[Runtime, object, str], Awaitable[Message]]
