import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from bot.access_log import PrivacyAccessLogger, quiet_client_errors


@asynccontextmanager
async def serving_a_code_page() -> AsyncIterator[int]:
    """A server with the code page's route and our access logger; yields its port."""

    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/c/{ticket}", ok)
    runner = web.AppRunner(app, access_log_class=PrivacyAccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def test_the_access_log_keeps_no_query_and_no_ticket(caplog) -> None:
    async with serving_a_code_page() as port:
        with caplog.at_level(logging.INFO, logger="aiohttp.access"):
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session:
                await (await session.get("/c/SECRET-TICKET?openid=o-secret-openid")).read()
                await (await session.get("/nowhere?openid=o-secret-openid")).read()
    logged = caplog.text
    assert "GET /c/{ticket} 200" in logged and "(no route) 404" in logged
    assert "SECRET-TICKET" not in logged and "o-secret-openid" not in logged


async def test_a_request_refused_before_routing_is_logged_in_one_line(caplog) -> None:
    """A request line over aiohttp's 8 KiB is answered 400 before routing: the access log
    (which once asserted on the missing match) says so, and no traceback is logged."""
    quiet_client_errors()
    async with serving_a_code_page() as port:
        with caplog.at_level(logging.INFO):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /c/" + b"T" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            answer = await reader.read()
            writer.close()
    assert answer.startswith((b"HTTP/1.0 400", b"HTTP/1.1 400"))
    assert "(not routed) 400" in caplog.text
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "T" * 100 not in caplog.text
