"""The load loop: C concurrent workers send N requests to one endpoint and time each one.

A request is prepared (signed, token fetched) before its clock starts, so the client's own
preparation is not counted as the server's latency; the body is read before the clock stops.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    params: dict[str, str] | None = None
    data: bytes | None = None
    json: Any = None
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class Endpoint:
    name: str
    prepare: Callable[[int], Awaitable[Request]]  # the argument is the worker's number
    accept: Callable[[int, bytes], bool]  # status and body: is this the expected answer?


@dataclass
class Measurement:
    name: str
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


async def measure(
    session: aiohttp.ClientSession, endpoint: Endpoint, requests: int, concurrency: int
) -> Measurement:
    result = Measurement(endpoint.name)
    remaining = requests

    async def worker(number: int) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1  # one event loop: no lock needed between the check and this
            request = await endpoint.prepare(number)
            start = time.perf_counter()
            async with session.request(
                request.method,
                request.url,
                params=request.params,
                data=request.data,
                json=request.json,
                headers=request.headers,
            ) as response:
                body = await response.read()
            result.latencies_ms.append((time.perf_counter() - start) * 1000)
            if not _accepted(endpoint, response.status, body):
                result.errors += 1
                result.first_error = result.first_error or f"{response.status}: {body[:200]!r}"

    start = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    result.seconds = time.perf_counter() - start
    return result


def _accepted(endpoint: Endpoint, status: int, body: bytes) -> bool:
    try:
        return endpoint.accept(status, body)
    except Exception:  # an answer the check cannot even read is an unexpected answer
        return False


async def warm_up_and_measure(
    session: aiohttp.ClientSession, endpoint: Endpoint, requests: int, concurrency: int
) -> Measurement:
    """A tenth of the requests (at least one per worker) first, discarded: connections,
    caches and the service's first-time paths (a new account) are then out of the numbers."""
    await measure(session, endpoint, max(concurrency, requests // 10), concurrency)
    return await measure(session, endpoint, requests, concurrency)
