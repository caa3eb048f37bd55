import logging

import aiohttp
from aiohttp import web

from bot.access_log import PrivacyAccessLogger


async def test_the_access_log_keeps_no_query_and_no_ticket(caplog) -> None:
    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/c/{ticket}", ok)
    runner = web.AppRunner(app, access_log_class=PrivacyAccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        with caplog.at_level(logging.INFO, logger="aiohttp.access"):
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
                await (await session.get("/c/SECRET-TICKET?openid=o-secret-openid")).read()
                await (await session.get("/nowhere?openid=o-secret-openid")).read()
    finally:
        await runner.cleanup()
    logged = caplog.text
    assert "GET /c/{ticket} 200" in logged and "(no route) 404" in logged
    assert "SECRET-TICKET" not in logged and "o-secret-openid" not in logged
