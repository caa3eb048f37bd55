"""The paper code's printable sheet (docs/paper-code.md): ``GET /p/{ticket}``, laid out for A6,
and its QR image. A forged, expired or revoked sheet gets the friendly error page."""

from __future__ import annotations

import base64

from aiohttp import web

from bot.app_state import RUNTIME
from bot.resident_pages import error_page_policy, render_error_page
from bot.resident_pages.paper_page import PaperPageView, paper_page_policy, render_paper_page
from bot.services.codes.paper import sheet_for_ticket
from bot.services.errors import NotFound
from bot.texts import t
from handlers.code_page import page_language
from handlers.path_params import TICKET, path_value

_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def paper_sheet(request: web.Request) -> web.Response:
    lang = page_language(request)
    try:
        sheet = await sheet_for_ticket(request.app[RUNTIME], path_value(request, TICKET))
    except NotFound as exc:
        html = render_error_page(exc.code, lang)
        headers = {**_NO_STORE, "Content-Security-Policy": error_page_policy()}
        return web.Response(text=html, status=404, content_type="text/html", headers=headers)
    data_url = "data:image/png;base64," + base64.b64encode(sheet.png).decode()
    html = render_paper_page(PaperPageView(sheet.name_masked, sheet.issued_at, data_url), lang)
    headers = {**_NO_STORE, "Content-Security-Policy": paper_page_policy()}
    return web.Response(text=html, content_type="text/html", headers=headers)


async def paper_qr(request: web.Request) -> web.Response:
    try:
        sheet = await sheet_for_ticket(request.app[RUNTIME], path_value(request, TICKET))
    except NotFound as exc:
        raise web.HTTPNotFound(text=t(exc.code, page_language(request))) from exc
    return web.Response(body=sheet.png, content_type="image/png", headers=_NO_STORE)


def routes() -> list[web.RouteDef]:
    return [web.get("/p/{ticket}", paper_sheet), web.get("/p/{ticket}/qr.png", paper_qr)]
