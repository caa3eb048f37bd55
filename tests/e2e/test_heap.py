"""The serving process sets the collector for serving (``bot.heap``): once the app has started,
what start-up built is out of the collector's sight, the young generation is collected less
often, and what requests leave behind is still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.heap import YOUNG_OBJECTS
from bot.serving import worker_app
from bot.settings import Settings


class _Cycle:
    """An object that refers to itself: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """What a test froze goes back to the collector afterwards, and the thresholds are as they
    were (the suite's process lives on)."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


async def test_start_up_is_frozen_young_objects_wait_longer_and_later_cycles_are_collected(
    aiohttp_client, settings: Settings, unfrozen: None
) -> None:
    app = worker_app(settings)
    before_start = _Cycle()
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    client = await aiohttp_client(app)
    assert gc.get_freeze_count() > 0  # the app's start froze the heap
    assert before_start not in gc.get_objects()  # made before: out of every generation
    assert gc.get_threshold()[0] == YOUNG_OBJECTS

    response = await client.get("/healthz")
    assert response.status == 200
    later = _Cycle()
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None  # made after the start: collected as ever
