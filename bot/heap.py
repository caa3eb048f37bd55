"""The serving process's heap and Python's cyclic garbage collector.

What start-up builds (modules, the app and its routes, the rule set, the FAQ's matcher, the ORM's
models, the keys) lives as long as the process: about 110 000 objects. The collector's oldest
generation walks all of them each time it runs, and under a rush of scans it ran every few
seconds, each time stopping the event loop for 75–130 ms: every request in flight waited that
long (bench/README.md, "The tail"). Frozen once the app has started, those objects are left out
of every collection; what requests allocate is still collected.

The youngest generation was collected after every 700 new container objects, net: 64 requests
in flight hold that many for a moment, so under wrk's load it ran 15 times a second, 0.75 ms of
CPU each, to find almost nothing (8 µs a scan). After every ``YOUNG_OBJECTS`` it runs only when
garbage has really piled up.
"""

from __future__ import annotations

import gc

from aiohttp import web

YOUNG_OBJECTS = 10_000


async def settle_start_up_heap(_app: web.Application) -> None:
    """Collect start-up's garbage, keep what is left out of later collections, and collect the
    young generation less often (an ``on_startup`` hook, appended last: the cleanup contexts
    have started by then)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, middle, old)
