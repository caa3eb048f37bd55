"""Work a request does not wait for: it runs, a failure is logged, a stop cancels what is left."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.background import BackgroundWork


async def test_work_runs_and_is_forgotten_when_done() -> None:
    work = BackgroundWork()
    done = asyncio.Event()

    async def job() -> None:
        done.set()

    work.start(job(), name="job")
    await asyncio.wait_for(done.wait(), 1)
    await asyncio.sleep(0)
    assert len(work) == 0


async def test_a_failure_is_logged_with_the_works_name(caplog: pytest.LogCaptureFixture) -> None:
    work = BackgroundWork()

    async def broken() -> None:
        raise RuntimeError("the database went away")

    work.start(broken(), name="tier:120101:high")
    await asyncio.sleep(0.01)
    assert "background work tier:120101:high failed" in caplog.text
    assert len(work) == 0


async def test_a_stop_cancels_what_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    work = BackgroundWork()
    cancelled = asyncio.Event()

    async def long_job() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    work.start(long_job(), name="tier:120116:high")
    await asyncio.sleep(0)
    await asyncio.wait_for(work.stop(), 1)
    assert cancelled.is_set() and len(work) == 0
    assert "stopping background work tier:120116:high" in caplog.text
