"""The per-key token bucket behind the message and scan limits (docs/architecture.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health.throttle import KeyedRateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_rate_holds() -> None:
    clock = Clock()
    limit = KeyedRateLimit(per_minute=30, burst=3, clock=clock)
    assert [limit.take("o-1").allowed for _ in range(4)] == [True, True, True, False]
    refused = limit.take("o-1")
    assert not refused.allowed and refused.retry_after == pytest.approx(2.0)
    assert refused.retry_after_seconds == 2
    clock.now += 2.0  # 30 a minute: one token every 2 s
    assert limit.take("o-1").allowed
    assert not limit.take("o-1").allowed


def test_keys_do_not_share_a_bucket() -> None:
    limit = KeyedRateLimit(per_minute=60, burst=1, clock=Clock())
    assert limit.take("o-1").allowed and limit.take("o-2").allowed
    assert not limit.take("o-1").allowed


def test_only_the_first_refusal_in_a_row_is_marked_first() -> None:
    clock = Clock()
    limit = KeyedRateLimit(per_minute=60, burst=1, clock=clock)
    limit.take("o-1")
    assert [limit.take("o-1").first_refusal for _ in range(3)] == [True, False, False]
    clock.now += 1.0
    assert limit.take("o-1").allowed
    assert limit.take("o-1").first_refusal  # a new run of refusals is told again


def test_an_idle_bucket_fills_up_to_the_burst_only() -> None:
    clock = Clock()
    limit = KeyedRateLimit(per_minute=60, burst=2, clock=clock)
    limit.take("o-1")
    clock.now += 3600
    assert [limit.take("o-1").allowed for _ in range(3)] == [True, True, False]


def test_memory_stays_bounded_and_drops_the_least_recently_used() -> None:
    clock = Clock()
    limit = KeyedRateLimit(per_minute=60, burst=1, clock=clock, max_keys=3)
    for key in ("a", "b", "c"):
        limit.take(key)
    limit.take("a")  # refused, and now the most recent
    limit.take("d")
    assert len(limit) == 3
    assert not limit.take("a").allowed  # kept: still empty
    assert limit.take("b").allowed  # dropped, so a fresh bucket


def test_a_rate_of_zero_is_no_limit() -> None:
    limit = KeyedRateLimit(per_minute=0, burst=1, clock=Clock())
    assert all(limit.take("o-1").allowed for _ in range(1000)) and len(limit) == 0


@pytest.mark.parametrize(("per_minute", "burst"), [(-1, 1), (10, 0)])
def test_a_nonsense_limit_is_refused(per_minute: float, burst: int) -> None:
    with pytest.raises(ValueError):
        KeyedRateLimit(per_minute, burst)


@given(
    per_minute=st.integers(1, 600),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 5), min_size=1, max_size=200),
)
def test_never_more_than_the_burst_plus_the_rate_over_any_stretch(
    per_minute: int, burst: int, gaps: list[float]
) -> None:
    clock = Clock()
    limit = KeyedRateLimit(per_minute, burst, clock=clock)
    start = clock.now
    allowed = 0
    for gap in gaps:
        clock.now += gap
        allowed += limit.take("k").allowed
    assert allowed <= burst + (clock.now - start) * per_minute / 60 + 1e-9
