"""A rate limit per WeChat API, so a burst of notices cannot spend the account's quota at once.

Each API has a token bucket (``rate`` calls a second, bursts of up to a second's worth). When
WeChat says a quota ran out anyway (45011 per minute, 45009 per day), that API is held back for
a while: the notices waiting for it are postponed without being tried, instead of each spending
an attempt on a certain refusal. One scheduler runs per database (the leader lock), so a limit
kept in this process is the account's limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.wechat import WeChatTransientError

T = TypeVar("T")

# How long WeChat's quota answers hold an API back, in seconds.
QUOTA_HOLDS = {45011: 60.0, 45009: 3600.0}


class Held(Exception):
    """The API is held back after a quota answer; try again in ``seconds``."""

    def __init__(self, api: str, seconds: float) -> None:
        super().__init__(f"{api} held back for {seconds:.0f} s after a quota answer")
        self.api = api
        self.seconds = seconds


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    held_until: float = 0.0


class ApiLimits:
    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.rate = rate
        self.burst = max(1.0, rate)
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[str, _Bucket] = {}

    def held_for(self, apis: tuple[str, ...]) -> float:
        """Seconds until every API of ``apis`` may be called again (0: now)."""
        now = self._clock()
        return max([0.0, *(self._bucket(api).held_until - now for api in apis)])

    async def call(self, api: str, operation: Callable[[], Awaitable[T]]) -> T:
        """Wait for the API's turn, then call it; a quota answer holds the API back."""
        await self._take(api)
        try:
            return await operation()
        except WeChatTransientError as exc:
            hold = QUOTA_HOLDS.get(exc.errcode or 0)
            if hold is not None:
                self._bucket(api).held_until = self._clock() + hold
            raise

    async def _take(self, api: str) -> None:
        bucket = self._bucket(api)
        while True:
            now = self._clock()
            if bucket.held_until > now:
                raise Held(api, bucket.held_until - now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return
            await self._sleep((1 - bucket.tokens) / self.rate)

    def _bucket(self, api: str) -> _Bucket:
        if api not in self._buckets:
            self._buckets[api] = _Bucket(tokens=self.burst, stamp=self._clock())
        return self._buckets[api]
