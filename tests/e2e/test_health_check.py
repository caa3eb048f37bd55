"""``GET /healthz`` tells a load balancer whether this process can work: 503 while its database
is unreachable, 200 again once it is back (handlers/ops.py). PostgreSQL only: a SQLite file has
no server to lose."""

from __future__ import annotations

import dataclasses
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.settings import Settings
from tests.support.clock import FakeClock
from tests.support.tcp_proxy import TcpProxy


def through(url: str, port: int) -> str:
    """``url`` with its server replaced by the proxy's loopback port."""
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    server = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{credentials}@{server}" if credentials else server))


async def test_healthz_answers_503_while_the_database_is_unreachable(
    aiohttp_client, settings: Settings, clock: FakeClock
) -> None:
    if not settings.database_url.startswith("postgres"):
        pytest.skip("a SQLite file has no server to lose")
    server = urlsplit(settings.database_url)
    proxy = TcpProxy(server.hostname or "127.0.0.1", server.port or 5432)
    await proxy.start()
    proxied = dataclasses.replace(settings, database_url=through(settings.database_url, proxy.port))
    client: TestClient = await aiohttp_client(create_app(proxied, clock))
    try:
        assert (await client.get("/healthz")).status == 200
        await proxy.stop()  # the pool's connections break, and new ones are refused
        down = await client.get("/healthz")
        assert down.status == 503
        body = await down.json()
        assert body == {"status": "down", "database": "unreachable", "worker": os.getpid()}
        await proxy.start()
        back = await client.get("/healthz")
        assert back.status == 200 and (await back.json())["status"] == "ok"
    finally:
        await client.close()
        await proxy.stop()


def test_the_proxied_url_keeps_the_credentials_and_the_database() -> None:
    assert through("postgres://postgres@10.0.0.5:5433/test_x", 6000) == (
        "postgres://postgres@127.0.0.1:6000/test_x"
    )
    assert through("postgres://u:p@db/test_x", 6000) == "postgres://u:p@127.0.0.1:6000/test_x"
