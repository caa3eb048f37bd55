"""The serving process freezes its start-up heap (``bot.heap``): once the app has started, what
start-up built is out of the collector's sight, and what requests leave behind is still
collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.serving import worker_app
from bot.settings import Settings


class _Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """What a test froze goes back to the collector afterwards (the suite's process lives on)."""
    yield
    gc.unfreeze()


async def test_start_up_is_frozen_and_later_cycles_are_still_collected(
    aiohttp_client, settings: Settings, unfrozen: None
) -> None:
    app = worker_app(settings)
    before_start = _Cycle()
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    client = await aiohttp_client(app)
    assert gc.get_freeze_count() > 0  # the app's start froze the heap
    assert before_start not in gc.get_objects()  # made before: out of every generation

    response = await client.get("/healthz")
    assert response.status == 200
    later = _Cycle()
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None  # made after the start: collected as ever
