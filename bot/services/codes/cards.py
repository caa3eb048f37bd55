"""The code card behind a page link: the person's live code with a freshly signed token and
its QR image, all from one moment so the picture and the times agree."""

from __future__ import annotations

from dataclasses import dataclass

from bot.health.qr import render_png
from bot.services.codes.display import (
    CodeView,
    LiveToken,
    live_code,
    live_code_for_ticket,
    token_for,
    view_of,
)
from bot.services.errors import NotFound
from bot.services.runtime import Runtime
from models.person import Person


@dataclass(frozen=True)
class CodeCard:
    view: CodeView
    live: LiveToken
    png: bytes | None  # None when the caller draws the QR itself (the code page's refresh)


async def card_for_ticket(rt: Runtime, ticket: str, lang: str, *, image: bool = True) -> CodeCard:
    code = await live_code_for_ticket(rt, ticket)  # one read: token and view show one decision
    live = token_for(rt, code)
    png = render_png(live.token, live.color) if image else None
    return CodeCard(view_of(rt, code, lang, ticket=ticket), live, png)


async def qr_for_ticket(rt: Runtime, ticket: str) -> tuple[LiveToken, bytes]:
    """Only the image and its token: what ``qr.png`` needs, without the page's view."""
    live = token_for(rt, await live_code_for_ticket(rt, ticket))
    return live, render_png(live.token, live.color)


async def qr_for_person(rt: Runtime, public_id: str) -> bytes:
    """The QR image of a person's code with a fresh token (for the chat's image message)."""
    person = await Person.get_or_none(public_id=public_id)
    if person is None:
        raise NotFound("api.not_found")
    live = token_for(rt, await live_code(person))
    return render_png(live.token, live.color)
