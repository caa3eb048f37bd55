"""One check at a time (bot/single_flight.py): callers waiting at once share one run; a caller
after it gets a run of its own; one caller giving up does not cancel the others."""

from __future__ import annotations

import asyncio

import pytest

from bot.single_flight import SingleFlight


class Check:
    def __init__(self) -> None:
        self.runs = 0
        self.release = asyncio.Event()
        self.fail = False

    async def __call__(self) -> int:
        self.runs += 1
        await self.release.wait()
        if self.fail:
            raise ConnectionError("database gone")
        return self.runs


async def test_callers_waiting_at_once_share_one_run() -> None:
    check = Check()
    shared = SingleFlight(check)
    waiting = [asyncio.ensure_future(shared()) for _ in range(50)]
    await asyncio.sleep(0)
    check.release.set()
    assert await asyncio.gather(*waiting) == [1] * 50
    assert check.runs == 1


async def test_a_caller_after_the_run_gets_a_fresh_one() -> None:
    check = Check()
    check.release.set()
    shared = SingleFlight(check)
    assert await shared() == 1
    assert await shared() == 2  # nothing is remembered between runs


async def test_one_caller_giving_up_leaves_the_others_their_answer() -> None:
    check = Check()
    shared = SingleFlight(check)
    impatient, patient = asyncio.ensure_future(shared()), asyncio.ensure_future(shared())
    await asyncio.sleep(0)
    impatient.cancel()
    check.release.set()
    assert await patient == 1
    with pytest.raises(asyncio.CancelledError):
        await impatient


async def test_a_failure_reaches_every_waiting_caller_and_the_next_run_tries_again() -> None:
    check = Check()
    check.fail = True
    shared = SingleFlight(check)
    waiting = [asyncio.ensure_future(shared()) for _ in range(3)]
    await asyncio.sleep(0)
    check.release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    check.fail = False
    assert await shared() == 2
