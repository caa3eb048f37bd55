"""The scheduler's jobs (APScheduler 3, asyncio), built each time this process becomes the
leader (schedules/runner.py) and started inside the running loop, after the ORM
(docs/architecture.md).

Every job runs one at a time (``max_instances=1``) and runs missed while one was slow or the
loop was busy collapse into one (``coalesce``). The misfire grace says how late a run may still
start: the frequent jobs only until their next run would come anyway; the daily reminder up to
an hour (later, people would be messaged at an odd hour: it waits for tomorrow); retention up to
six hours (deleting a little late is harmless). A daily run missed because no process was the
leader at that moment is caught up when leadership starts within that grace.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.services.housekeeping.expiry import redecide_expired_codes
from bot.services.housekeeping.purge import purge_chat_records
from bot.services.housekeeping.reminders import remind_to_declare
from bot.services.housekeeping.retention import apply_retention
from bot.services.redecide.stalled_tiers import finish_tier_changes
from bot.services.runtime import Runtime
from bot.services.trust.refresh import refresh_trust_lists
from bot.trust_fetch import fetch_key_set
from bot.wechat import WeChatGateway
from bot.wechat.routes import reminder_reach
from bot.wechat.sender import Drained, drain_outbox, limits_for

log = logging.getLogger(__name__)
REMINDER_GRACE = timedelta(hours=1)
RETENTION_GRACE = timedelta(hours=6)
TRUST_REFRESH_GRACE = timedelta(hours=6)


class _ExpectedSkips(logging.Filter):
    """APScheduler warns whenever a run is skipped because the last one is still going: with
    ``max_instances=1`` that is the intended behaviour (the sender drains a backlog for longer
    than its interval), not news, and it would fill the log every two seconds."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


# APScheduler logs every run at INFO ("Running job …"): every two seconds for the sender.
logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
logging.getLogger("apscheduler.scheduler").addFilter(_ExpectedSkips())


class RunningJobs:
    """The job runs in progress, so stopping can wait for them: APScheduler's shutdown cancels
    a running coroutine job, and a sender cancelled mid-send would send that notice twice."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def track(self, job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(job)
        async def tracked(*args: Any) -> Any:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            try:
                return await job(*args)
            finally:
                self._tasks.discard(task)

        return tracked

    async def wait(self, timeout: float) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


def build_scheduler(
    rt: Runtime, gateway: WeChatGateway, running: RunningJobs | None = None
) -> AsyncIOScheduler:
    s = rt.settings.schedules
    tz = rt.ruleset.tz
    running = running or RunningJobs()
    scheduler = AsyncIOScheduler(timezone=tz, job_defaults={"max_instances": 1, "coalesce": True})
    limits = limits_for(rt)  # kept across runs: the buckets and the quota pauses last

    def every(job: Callable[..., Awaitable[Any]], seconds: float, *args: Any) -> None:
        scheduler.add_job(
            running.track(job),
            "interval",
            seconds=seconds,
            args=(rt, *args),
            id=job.__name__,
            # later than one interval, a run is pointless: the next one is about to start
            misfire_grace_time=max(1, int(seconds)),
        )

    def daily(job: Callable[..., Awaitable[Any]], at: time, grace: timedelta, *args: Any) -> None:
        catch_up = _catch_up(datetime.now(tz), at, grace)
        scheduler.add_job(
            running.track(job),
            "cron",
            hour=at.hour,
            minute=at.minute,
            timezone=tz,
            args=(rt, *args),
            id=job.__name__,
            misfire_grace_time=int(grace.total_seconds()),
            **({"next_run_time": catch_up} if catch_up else {}),
        )

    every(drain_outbox, rt.settings.outbox_interval_seconds, gateway, limits)
    scheduler.add_listener(functools.partial(_again_if_more, scheduler), EVENT_JOB_EXECUTED)
    every(redecide_expired_codes, s.redecide_interval_seconds)
    every(purge_chat_records, s.purge_interval_seconds)
    every(finish_tier_changes, s.tier_resume_interval_seconds)
    daily(remind_to_declare, s.reminder_time, REMINDER_GRACE, reminder_reach(rt.settings))
    daily(apply_retention, s.retention_time, RETENTION_GRACE)
    daily(refresh_trust_lists, s.trust_refresh_time, TRUST_REFRESH_GRACE, fetch_key_set)
    return scheduler


def _again_if_more(scheduler: AsyncIOScheduler, event: JobExecutionEvent) -> None:
    """A sender run that stopped on its budget with a backlog left starts again at once, not
    at the next tick: a long backlog drains at the rate limit, without a pause every run."""
    more = isinstance(event.retval, Drained) and event.retval.more
    if event.job_id == drain_outbox.__name__ and more:
        scheduler.modify_job(event.job_id, next_run_time=datetime.now(scheduler.timezone))


def _catch_up(now: datetime, at: time, grace: timedelta) -> datetime | None:
    """``now`` when today's run at ``at`` was due less than ``grace`` ago, else None."""
    today = datetime.combine(now.date(), at, tzinfo=now.tzinfo)
    return now if today <= now < today + grace else None
