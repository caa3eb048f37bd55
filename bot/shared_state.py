"""The state several worker processes must share, in Redis when ``REDIS_URL`` is set.

One client per process (``redis.asyncio``, its own connection pool), opened with the app and
closed with it, kept on the ``Runtime`` where services reach it. Without ``REDIS_URL``
everything works on the database alone, or per process where that is enough.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from redis.asyncio import Redis

from bot.app_state import RUNTIME


def open_redis(url: str) -> Redis:
    # short timeouts: the hot path waits on it, and a Redis that stopped answering must fail
    # the request quickly (WeChat retries) rather than hold it for WeChat's whole budget
    return Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)


async def shared_state(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx``: the Redis client of ``REDIS_URL`` on the runtime, for the app's life."""
    rt = app[RUNTIME]
    url = rt.settings.redis_url
    if url is None:
        yield
        return
    rt.redis = open_redis(url)
    try:
        await rt.redis.ping()  # a wrong URL is said at start-up, not at the first message
        yield
    finally:
        await rt.redis.aclose()
        rt.redis = None
