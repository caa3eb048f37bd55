"""Work a request starts and does not wait for (a tier change over a large district), run as
tasks of the web process.

Such work must be resumable on its own, because a process can die or be stopped with tasks
still running: a stop cancels them (a batch in progress rolls back), and whatever was not
reached is finished later from its mark (``python -m bot redecide`` for a tier change).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundWork:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def start(self, work: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work %s failed", task.get_name(), exc_info=task.exception())

    async def stop(self) -> None:
        """Cancel what still runs, and wait until it has stopped."""
        tasks = list(self._tasks)
        for task in tasks:
            log.warning("stopping background work %s: it resumes from its mark", task.get_name())
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def __len__(self) -> int:
        return len(self._tasks)
