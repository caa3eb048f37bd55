"""The code card behind a page link: the person's live code with a freshly signed token and
its QR image, all from one moment so the picture and the times agree."""

from __future__ import annotations

from dataclasses import dataclass

from bot.health.qr import render_png
from bot.services.codes import (
    CodeView,
    LiveToken,
    code_of,
    code_view,
    live_token,
    person_for_ticket,
    token_for,
)
from bot.services.runtime import Runtime
from models.person import Person


@dataclass(frozen=True)
class CodeCard:
    view: CodeView
    live: LiveToken
    png: bytes


async def card_for_ticket(rt: Runtime, ticket: str, lang: str) -> CodeCard:
    person = await person_for_ticket(rt, ticket)
    code = await code_of(person)  # once: the token and the view must show the same decision
    live = token_for(rt, code)
    view = await code_view(rt, person, lang, code)
    return CodeCard(view, live, render_png(live.token, live.color))


async def qr_for_ticket(rt: Runtime, ticket: str) -> tuple[LiveToken, bytes]:
    """Only the image and its token: what ``qr.png`` needs, without the page's view."""
    live = await live_token(rt, await person_for_ticket(rt, ticket))
    return live, render_png(live.token, live.color)


async def qr_for_person(rt: Runtime, public_id: str) -> bytes:
    """The QR image of a person's code with a fresh token (for the chat's image message)."""
    person = await Person.get(public_id=public_id)
    live = await live_token(rt, person)
    return render_png(live.token, live.color)
