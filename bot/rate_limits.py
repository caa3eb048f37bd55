"""The rate limits (docs/architecture.md): messages per chat account, scans and ID-card
lookups per checkpoint worker (docs/lookup.md);
with ``REDIS_URL`` set they are kept in Redis, on the process's one client
(``bot.shared_state``), so N workers (or N machines) enforce one limit. Without it, every limit
is kept in the process's memory as before (``bot.health.throttle``): N processes then let
through at most N times the rate.

A Redis limit is the same token bucket as the memory one, taken atomically by a Lua script:
the bucket of a key lives in one hash for as long as it takes to fill up again (an absent
bucket is a full one). Keys are hashed: no openid is written to Redis. The clock is the
runtime's (the machines' clocks agree to well under a token's interval). If Redis cannot be
reached the request is let through and the failure logged: a checkpoint keeps working when the
limiter's store does not.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.health.throttle import ALLOWED, KeyedRateLimit, Verdict

log = logging.getLogger(__name__)
KEY_PREFIX = "hc:rate:"
_WARN_EVERY_SECONDS = 10.0

# KEYS[1]: the bucket; ARGV: now (s), tokens per second, burst. Returns allowed (0/1), first
# refusal (0/1), and the seconds until the next token as text (Lua numbers become integers).
_TAKE = """
local now, rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'stamp', 'told')
local tokens = tonumber(b[1]) or burst
local stamp = tonumber(b[2]) or now
local told = b[3] == '1'
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local allowed, first, retry = 0, 0, 0
if tokens >= 1 then
  tokens, told, allowed = tokens - 1, false, 1
else
  if not told then first = 1 end
  told, retry = true, (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now),
           'told', told and '1' or '0')
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {allowed, first, tostring(retry)}
"""


class RateLimit(Protocol):
    async def take(self, key: Hashable) -> Verdict: ...


class LocalRateLimit:
    """The memory bucket of ``bot.health.throttle``, for this process alone."""

    def __init__(self, limit: KeyedRateLimit) -> None:
        self.limit = limit

    async def take(self, key: Hashable) -> Verdict:
        return self.limit.take(key)


class RedisRateLimit:
    def __init__(
        self,
        redis: Callable[[], Redis | None],
        name: str,
        per_minute: float,
        burst: int,
        clock: Callable[[], float],
    ) -> None:
        """``redis`` gives the process's client (opened at start-up); ``per_minute`` 0: off."""
        if per_minute < 0 or burst < 1:
            raise ValueError("a rate limit needs a rate of at least 0 and a burst of at least 1")
        self._redis = redis
        self.name = name
        self.per_second = per_minute / 60
        self.burst = burst
        self._clock = clock
        self._warned_at = -_WARN_EVERY_SECONDS

    async def take(self, key: Hashable) -> Verdict:
        client = self._redis()
        if self.per_second == 0 or client is None:
            return ALLOWED
        bucket = KEY_PREFIX + self.name + ":" + _hashed(key)
        try:
            allowed, first, retry = await client.eval(
                _TAKE, 1, bucket, repr(self._clock()), repr(self.per_second), self.burst
            )
        except RedisError as exc:
            self._warn(exc)
            return ALLOWED
        if int(allowed):
            return ALLOWED
        return Verdict(False, float(retry), bool(int(first)))

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_SECONDS:
            self._warned_at = now
            log.warning(
                "rate limit %s: Redis unavailable, letting requests through: %s", self.name, exc
            )


def _hashed(key: Hashable) -> str:
    text = ":".join(map(str, key)) if isinstance(key, tuple) else str(key)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RequestLimits:
    """The limits: messages per chat account, scans and ID-card lookups per checkpoint worker
    (docs/architecture.md, docs/lookup.md)."""

    messages: RateLimit
    scans: RateLimit
    lookups: RateLimit


def request_limits(
    redis_url: str | None,
    redis: Callable[[], Redis | None],
    clock: Callable[[], float],
    *,
    messages: tuple[float, int],
    scans: tuple[float, int],
    lookups: tuple[float, int],
) -> RequestLimits:
    """Limits in Redis when a URL is configured, else in this process (per minute, burst)."""
    if redis_url:
        return RequestLimits(
            messages=RedisRateLimit(redis, "messages", *messages, clock=clock),
            scans=RedisRateLimit(redis, "scans", *scans, clock=clock),
            lookups=RedisRateLimit(redis, "lookups", *lookups, clock=clock),
        )
    return RequestLimits(
        messages=LocalRateLimit(KeyedRateLimit(*messages, clock=clock)),
        scans=LocalRateLimit(KeyedRateLimit(*scans, clock=clock)),
        lookups=LocalRateLimit(KeyedRateLimit(*lookups, clock=clock)),
    )
