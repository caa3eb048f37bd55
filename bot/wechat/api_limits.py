"""A rate limit per WeChat API, so a burst of notices cannot spend the account's quota at once,
and a pause per API once WeChat says its quota ran out anyway.

Each API has a token bucket (``rate`` calls a second, bursts of up to a second's worth). A quota
answer (45009 for the day, 45011 for the minute) pauses that API until the quota resets: the
notices waiting for it are postponed to that moment without being tried, instead of each
spending an attempt on a certain refusal. One scheduler runs per database (the leader lock), so
a limit kept in this process is the account's limit; a new leader learns of a pause from its
first refused call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.wechat import WeChatQuotaError
from bot.wechat.errors import API_DAY, API_MINUTE

T = TypeVar("T")

# WeChat counts its daily quotas by the day in Beijing time, whatever the region's zone.
WECHAT_DAY = ZoneInfo("Asia/Shanghai")
# Past the reset, so a clock a little ahead of WeChat's does not find the old count.
RESET_MARGIN = timedelta(minutes=1)
MINUTE_PAUSE = timedelta(seconds=60)


def quota_resets(scope: str, now: datetime) -> datetime:
    """When an API whose ``scope`` quota ran out at ``now`` may be called again."""
    if scope == API_DAY:
        local = now.astimezone(WECHAT_DAY)
        midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
        return midnight.replace(tzinfo=WECHAT_DAY).astimezone(UTC) + RESET_MARGIN
    if scope == API_MINUTE:
        return now + MINUTE_PAUSE
    raise ValueError(f"not an API's quota: {scope}")


class Held(Exception):
    """The API is paused after a quota answer; it may be called again at ``until``."""

    def __init__(self, api: str, until: datetime, seconds: float) -> None:
        super().__init__(f"{api} paused for {seconds:.0f} s after a quota answer")
        self.api = api
        self.until = until


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class ApiLimits:
    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.rate = rate
        self.burst = max(1.0, rate)
        self._clock = clock
        self._sleep = sleep
        self._now = now  # wall time: quotas reset at a time of day
        self._buckets: dict[str, _Bucket] = {}
        self._paused: dict[str, datetime] = {}

    def paused_until(self, apis: tuple[str, ...]) -> datetime | None:
        """When every API of ``apis`` may be called again; None when all may be called now."""
        now = self._now()
        ends = [self._paused[api] for api in apis if self._paused.get(api, now) > now]
        return max(ends) if ends else None

    def check(self, apis: tuple[str, ...]) -> None:
        """Raise ``Held`` when one of ``apis`` is paused."""
        until = self.paused_until(apis)
        if until is not None:
            raise Held(",".join(apis), until, (until - self._now()).total_seconds())

    def pause(self, api: str, until: datetime) -> None:
        self._paused[api] = max(until, self._paused.get(api, until))

    async def call(self, api: str, operation: Callable[[], Awaitable[T]]) -> T:
        """Wait for the API's turn, then call it; a quota answer pauses the API."""
        self.check((api,))
        await self._take(api)
        try:
            return await operation()
        except WeChatQuotaError as exc:
            if exc.scope in (API_DAY, API_MINUTE):
                self.pause(api, quota_resets(exc.scope, self._now()))
            raise

    async def _take(self, api: str) -> None:
        bucket = self._bucket(api)
        while True:
            self.check((api,))  # paused by another send while this one waited its turn
            now = self._clock()
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
