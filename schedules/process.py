"""``python -m bot scheduler``: the scheduled jobs in a process of their own, for deployments
that keep them apart from the web processes (which then set HC_RUN_SCHEDULER=0, or keep it:
the leader lock lets only one process run the jobs either way)."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.db import close_database, open_database
from bot.services.runtime import build_runtime
from bot.settings import Settings
from bot.wechat.sandbox_setup import gateway_for, sandbox_notice
from schedules.leader import leadership_for
from schedules.runner import SchedulerRunner

log = logging.getLogger(__name__)


async def run(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT; then finish the runs in progress and release the lock."""
    rt = build_runtime(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await open_database(settings.database_url)
    gateway = gateway_for(settings)
    if settings.wechat_sandbox:
        log.info(sandbox_notice(settings) + " (the sandbox of `healthcode serve`)")
    runner = SchedulerRunner(rt, gateway, leadership_for(settings.database_url))
    runner.start()
    try:
        await stop.wait()
    finally:
        await runner.stop()
        await gateway.close()
        await close_database()
