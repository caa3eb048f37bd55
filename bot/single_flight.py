"""One check at a time: callers that arrive while it runs share its answer.

``GET /healthz`` pings the database; under a load balancer's or a bench's load that was one
round trip (on SQLite a hop to aiosqlite's thread) per request, most of what the answer cost.
A caller that arrives while a ping is in flight gets that ping's answer, which the database
gave after the caller arrived: as fresh as its own would have been, for one round trip shared
by all of them. A caller that arrives after it starts a new one; nothing is remembered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self, check: Callable[[], Awaitable[T]]) -> None:
        self._check = check
        self._running: asyncio.Future[T] | None = None

    async def __call__(self) -> T:
        running = self._running
        if running is None:
            running = self._running = asyncio.ensure_future(self._run())
        # shielded: one caller that gives up (a closed connection) does not cancel the others'
        return await asyncio.shield(running)

    async def _run(self) -> T:
        try:
            return await self._check()
        finally:
            self._running = None
