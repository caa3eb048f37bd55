"""Running the scheduler in a process that may or may not be the leader.

Every process that runs jobs (each web process, or ``python -m bot scheduler``) runs one
``SchedulerRunner``: it tries the leader lock every few seconds; the winner builds and starts
the scheduler and checks every few seconds that the lock is still its own. Losing the lock
stops the jobs; stopping waits for the runs in progress, so no notice is left half sent.

If the leader's lock connection breaks while the process lives, another process may start
before this one notices (at most one heartbeat): every job is safe to run twice at once (the
sender and the expiry job lock their rows with SKIP LOCKED on PostgreSQL, reminders are unique
per account and day, deletions are idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway
from schedules.leader import Leadership
from schedules.scheduler import RunningJobs, build_scheduler

log = logging.getLogger(__name__)
STOP_TIMEOUT = 15.0  # a send is bounded by the gateway's timeouts; do not wait forever


class SchedulerRunner:
    def __init__(self, rt: Runtime, gateway: WeChatGateway, leadership: Leadership) -> None:
        self.rt = rt
        self.gateway = gateway
        self.leadership = leadership
        self.leading = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def interval(self) -> float:
        return self.rt.settings.schedules.leader_retry_seconds

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="scheduler-runner")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while not self._stop.is_set():
            if await self._try_to_lead():
                try:
                    await self._lead()
                except Exception:  # never die holding the lock: let go, and try again later
                    log.exception("scheduler: leading failed")
            if not self._stop.is_set() and not self.leading.is_set():
                await self._sleep(self.interval)

    async def _try_to_lead(self) -> bool:
        try:
            return await self.leadership.acquire()
        except Exception as exc:  # the database is unreachable: try again later
            log.warning("scheduler: cannot reach the leader lock: %s", exc)
            return False

    async def _lead(self) -> None:
        log.info("scheduler: process %d is the leader, running the jobs", os.getpid())
        running = RunningJobs()
        scheduler: AsyncIOScheduler | None = None
        try:
            scheduler = build_scheduler(self.rt, self.gateway, running)
            scheduler.start()
            self.leading.set()
            while not self._stop.is_set():
                await self._sleep(self.interval)
                if not self._stop.is_set() and not await self.leadership.held():
                    log.warning("scheduler: lost the leader lock, stopping the jobs")
                    break
        finally:
            self.leading.clear()
            if scheduler is not None and scheduler.running:
                scheduler.pause()
                await running.wait(STOP_TIMEOUT)
                scheduler.shutdown(wait=False)
            await self.leadership.release()
            log.info("scheduler: process %d stopped leading", os.getpid())

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
