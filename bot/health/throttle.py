"""Rate limits per key (an account, a checkpoint worker): one token bucket each, in memory.

A bucket holds ``burst`` tokens and refills at ``per_minute`` a minute; each event takes one.
A bucket left idle fills up again, and a full bucket is the same as none: so when more than
``max_keys`` are kept the least recently used is dropped, and memory stays bounded however many
people write. These buckets are per process: N web processes let through at most N times the
rate. With ``REDIS_URL`` set, ``bot.rate_limits`` keeps the same buckets in Redis, one for all.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0  # seconds until the next event would be allowed
    first_refusal: bool = False  # the first refusal since the key was last allowed

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds, at least one: what a person is told and ``Retry-After`` says."""
        return max(1, math.ceil(self.retry_after))


ALLOWED = Verdict(True)


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    told: bool = False


class KeyedRateLimit:
    def __init__(
        self,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        """``per_minute`` 0 turns the limit off."""
        if per_minute < 0 or burst < 1 or max_keys < 1:
            raise ValueError("a rate limit needs a rate of at least 0 and a burst of at least 1")
        self.per_second = per_minute / 60
        self.burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    def take(self, key: Hashable) -> Verdict:
        if self.per_second == 0:
            return ALLOWED
        now = self._clock()
        bucket = self._buckets.pop(key, None) or _Bucket(self.burst, now)
        elapsed = max(0.0, now - bucket.stamp)  # a clock set back refills nothing
        bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.per_second)
        bucket.stamp = now
        self._buckets[key] = bucket  # the most recently used is last
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.told = False
            return ALLOWED
        first = not bucket.told
        bucket.told = True
        return Verdict(False, (1 - bucket.tokens) / self.per_second, first)

    def __len__(self) -> int:
        return len(self._buckets)
