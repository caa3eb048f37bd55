"""The serving process's heap and Python's cyclic garbage collector.

What start-up builds (modules, the app and its routes, the rule set, the FAQ's matcher, the ORM's
models, the keys) lives as long as the process: about 150 000 objects. The collector's oldest
generation walks all of them each time it runs, and under a rush of scans it ran every few
seconds, each time stopping the event loop for 75–130 ms: every request in flight waited that
long, and those pauses were the scan's p99 (bench/README.md, "The tail"). Frozen once the app
has started, those objects are left out of every collection; what requests allocate is still
collected as before.
"""

from __future__ import annotations

import gc

from aiohttp import web


async def freeze_start_up_heap(_app: web.Application) -> None:
    """Collect start-up's garbage, then keep what is left out of later collections (an
    ``on_startup`` hook, appended last: the cleanup contexts have started by then)."""
    gc.collect()
    gc.freeze()
