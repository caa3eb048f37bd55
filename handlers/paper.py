"""The paper code's printable sheet (docs/paper-code.md): ``GET /p/{ticket}``, laid out for A6,
and its QR image. A forged, expired or revoked sheet is the sub-app's to answer
(``handlers.page_errors``): the friendly error page."""

from __future__ import annotations

import base64

from aiohttp import web

from bot.app_state import RUNTIME
from bot.resident_pages.paper_page import PaperPageView, paper_page_policy, render_paper_page
from bot.services.codes.paper import sheet_for_ticket
from handlers.language import language
from handlers.page_errors import NO_STORE, not_found_as
from handlers.path_params import TICKET, path_value


@not_found_as("page")
async def paper_sheet(request: web.Request) -> web.Response:
    lang = language(request)
    sheet = await sheet_for_ticket(request.app[RUNTIME], path_value(request, TICKET))
    data_url = "data:image/png;base64," + base64.b64encode(sheet.png).decode()
    html = render_paper_page(PaperPageView(sheet.name_masked, sheet.issued_at, data_url), lang)
    headers = {**NO_STORE, "Content-Security-Policy": paper_page_policy()}
    return web.Response(text=html, content_type="text/html", headers=headers)


@not_found_as("image")
async def paper_qr(request: web.Request) -> web.Response:
    sheet = await sheet_for_ticket(request.app[RUNTIME], path_value(request, TICKET))
    return web.Response(body=sheet.png, content_type="image/png", headers=NO_STORE)


def routes() -> list[web.RouteDef]:
    return [web.get("/p/{ticket}", paper_sheet), web.get("/p/{ticket}/qr.png", paper_qr)]
