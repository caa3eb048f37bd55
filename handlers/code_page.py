"""The code page a resident shows at a checkpoint: ``GET /c/{ticket}``, its refresh JSON and
the QR image. A bad or expired link is the sub-app's to answer (``handlers.page_errors``): a
friendly page, never a stack trace."""

from __future__ import annotations

import base64
from datetime import datetime

from aiohttp import web

from bot.app_state import RUNTIME
from bot.conversation.replies import color_words
from bot.resident_pages import CodePageView, code_page_policy, render_code_page
from bot.resident_pages.code_page import TIMEZONE
from bot.services.codes.cards import CodeCard, card_for_ticket, qr_for_ticket
from bot.services.codes.paper import paper_printed_at
from bot.texts import t
from handlers.language import language
from handlers.page_errors import NO_STORE, not_found_as
from handlers.path_params import TICKET, path_value
from handlers.responses import json_response


async def _card(request: web.Request, lang: str, *, image: bool = True) -> CodeCard:
    ticket = path_value(request, TICKET)
    return await card_for_ticket(request.app[RUNTIME], ticket, lang, image=image)


def _page_view(
    request: web.Request, card: CodeCard, lang: str, paper_at: datetime | None = None
) -> CodePageView:
    view = card.view
    assert card.png is not None, "the page shows the server's image"
    return CodePageView(
        ticket=path_value(request, TICKET),
        color=card.live.color.value,
        name_masked=view.name_masked,
        reasons=view.reasons,
        issued_at=card.live.issued_at,
        expires_at=card.live.expires_at,
        qr_data_url=_data_url(card.png),
        district=_district(card, lang),
        region=request.app[RUNTIME].region_info.service_name(lang),
        paper=_paper_line(paper_at, lang) if paper_at else None,
    )


def _district(card: CodeCard, lang: str) -> str | None:
    view = card.view
    if view.district and view.district_tier:
        return f"{view.district} · {t(f'code.tier_{view.district_tier}', lang)}"
    return None


def _paper_line(printed_at: datetime, lang: str) -> str:
    date = printed_at.astimezone(TIMEZONE).strftime("%Y-%m-%d")
    return t("paper.on_code_page", lang, date=date)


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@not_found_as("page")
async def code_page(request: web.Request) -> web.Response:
    lang = language(request)
    card = await _card(request, lang)
    paper_at = await paper_printed_at(card.view.person_id)
    view = _page_view(request, card, lang, paper_at)
    # the server's clock decides (docs/architecture.md): the page's running clock starts from it
    html = render_code_page(view, lang, now=request.app[RUNTIME].now())
    headers = {**NO_STORE, "Content-Security-Policy": code_page_policy()}
    return web.Response(text=html, content_type="text/html", headers=headers)


@not_found_as("json")
async def code_json(request: web.Request) -> web.Response:
    """The page's refresh: the token, not its image; the page draws the QR (bot/resident_pages)."""
    lang = language(request)
    card = await _card(request, lang, image=False)
    color = card.live.color.value
    return json_response(
        {
            "color": color,
            "color_text": color_words(color, lang),
            "name": card.view.name_masked,
            "reasons": list(card.view.reasons),
            "issued_at": card.live.issued_at.isoformat(),
            "expires_at": card.live.expires_at.isoformat(),
            "token": card.live.token,
            "district": _district(card, lang),
        },
        headers=NO_STORE,
    )


@not_found_as("image")
async def qr_png(request: web.Request) -> web.Response:
    live, png = await qr_for_ticket(request.app[RUNTIME], path_value(request, TICKET))
    headers = {
        **NO_STORE,
        "X-Issued-At": live.issued_at.isoformat(),
        "X-Expires-At": live.expires_at.isoformat(),
    }
    return web.Response(body=png, content_type="image/png", headers=headers)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/c/{ticket}", code_page),
        web.get("/c/{ticket}/code.json", code_json),
        web.get("/c/{ticket}/qr.png", qr_png),
    ]
