import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.access_log import (
    FLUSH_SECONDS,
    BufferedAccessLogger,
    PrivacyAccessLogger,
    quiet_client_errors,
)

SECRET_LINK = "/c/SECRET-TICKET?openid=o-secret-openid"


@asynccontextmanager
async def serving(access_log_class: type[AbstractAccessLogger]) -> AsyncIterator[int]:
    """A page route behind ``access_log_class``; its port while it runs."""

    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/c/{ticket}", ok)
    runner = web.AppRunner(app, access_log_class=access_log_class)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def test_the_access_log_keeps_no_query_and_no_ticket(caplog) -> None:
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        async with (
            serving(PrivacyAccessLogger) as port,
            aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session,
        ):
            await (await session.get(SECRET_LINK)).read()
            await (await session.get("/nowhere?openid=o-secret-openid")).read()
    logged = caplog.text
    assert "GET /c/{ticket} 200" in logged and "(no route) 404" in logged
    assert "SECRET-TICKET" not in logged and "o-secret-openid" not in logged


async def test_a_request_refused_before_routing_is_logged_in_one_line(caplog) -> None:
    """A request line over aiohttp's 8 KiB is answered 400 before routing: the access log
    (which once asserted on the missing match) says so, and no traceback is logged."""
    quiet_client_errors()
    with caplog.at_level(logging.INFO):
        async with serving(PrivacyAccessLogger) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /c/" + b"T" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            answer = await reader.read()
            writer.close()
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400")
    assert "(not routed) 400" in caplog.text
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert "T" * 100 not in caplog.text


async def test_the_servers_access_log_writes_the_same_lines_in_batches(capfd) -> None:
    logging.getLogger("aiohttp.access").setLevel(logging.INFO)
    async with (
        serving(BufferedAccessLogger) as port,
        aiohttp.ClientSession(f"http://127.0.0.1:{port}") as session,
    ):
        for _ in range(3):
            await (await session.get(SECRET_LINK)).read()
        assert "GET /c/{ticket}" not in capfd.readouterr().err  # not yet: gathered
        await asyncio.sleep(FLUSH_SECONDS + 0.3)
    lines = capfd.readouterr().err.splitlines()
    line = re.compile(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO aiohttp.access GET /c/\{ticket\} 200 \d+\.\dms"
    )
    assert len(lines) == 3 and all(line.fullmatch(text) for text in lines), lines
