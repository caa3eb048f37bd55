"""Job: the daily reminder to declare again."""

from __future__ import annotations

import logging

from bot.services.jobs_reminders import queue_reminders
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)


async def remind_to_declare(rt: Runtime) -> int:
    queued = await queue_reminders(rt)
    age = rt.settings.schedules.reminder_after.days
    log.info("daily reminder: %d reminders queued (last declaration over %d days ago)", queued, age)
    return queued
