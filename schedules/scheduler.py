"""The scheduler's wiring (APScheduler 3, asyncio). Started inside the app's cleanup context,
after the ORM, because Tortoise keeps its state in a context variable (DESIGN.md §14)."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway
from schedules.sender import send_due_notices

log = logging.getLogger(__name__)


def build_scheduler(rt: Runtime, gateway: WeChatGateway) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="Asia/Shanghai")
    scheduler.add_job(
        send_due_notices,
        "interval",
        seconds=rt.settings.outbox_interval_seconds,
        args=(rt, gateway),
        id="send_notices",
        # one run at a time; runs missed while one was slow collapse into the next
        max_instances=1,
        coalesce=True,
        misfire_grace_time=30,
    )
    return scheduler
