"""Re-deciding many people at once: a tier change over a district, a feed, a new ruleset.

How the work is cut into transactions (docs/architecture.md). A million codes in one transaction
would hold a million row locks for minutes, stall every declaration of those people behind
them, and lose all the work when anything fails at the end. So:

1. The cause commits first, on its own, in a short transaction: the district's new tier with
   its ``tier_changed_at`` and the audit entry (a new ruleset needs no row: its version is the
   mark). That row is the job record.
2. People are then visited in batches of ``BATCH`` (keyset order on the person id, so each
   batch is one indexed range query, never an ``OFFSET``), several at once on PostgreSQL
   (``HC_REDECIDE_WORKERS``, each on a pooled connection of its own). Each batch is one
   transaction that locks its codes, reads the facts of the whole batch grouped (people with
   the same facts and colour form one group: ``bot.services.redecide.fact_groups``), decides
   each group once, and writes each group with one statement for its codes, one for their history
   and one for their notices: a code never changes without its notice, and no lock lives longer
   than one batch.
3. Resumable: a batch that committed carries a ``decided_at`` at or after the mark (or the new
   ruleset version); one that did not left nothing behind. A process that dies mid-way leaves
   exactly "the affected people whose code was decided before the mark" to do, which is what
   ``python -m bot redecide`` (or the same tier sent again) selects and finishes. (A new
   ruleset resumes the same way: the codes still under another version. Only ``redecide
   --all``, which has no mark, starts again from the first person.)

Between two batches a reader may find one neighbour re-decided and the next one not yet: the
same as if the change had reached the second a few seconds later, which it did.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from bot.health.rules import Decision, decide
from bot.services import sql
from bot.services.notices.outbox import queue_same_change
from bot.services.redecide.fact_groups import FactKey, facts_of, lock_codes, read_groups
from bot.services.redecide.writes import record_changes, store_decision
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.district import District

log = logging.getLogger(__name__)
BATCH = 5000  # people per transaction: a few hundred milliseconds of locks


@dataclass
class Tally:
    """What a run of batches did, and how long it took."""

    decided: int = 0
    changed: int = 0
    notices: int = 0
    batches: int = 0
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None

    @property
    def seconds(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    def finish(self) -> Tally:
        self.finished = time.perf_counter()
        return self

    def add(self, other: Tally) -> None:
        self.decided += other.decided
        self.changed += other.changed
        self.notices += other.notices
        self.batches += other.batches

    def as_dict(self) -> dict[str, float | int]:
        return {
            "decided": self.decided,
            "changed": self.changed,
            "notices": self.notices,
            "seconds": round(self.seconds, 3),
        }


async def redecide_batch(
    rt: Runtime, person_ids: list[int], cause: str, skip_locked: bool = False
) -> Tally:
    """Re-decide these people and queue a notice for every changed code, in the caller's unit
    of work. The codes are locked first (PostgreSQL; SQLite has one writer anyway), so a
    declaration filed meanwhile waits for this batch instead of being overwritten by a decision
    made from facts read before it (``skip_locked``: codes another transaction holds are left
    out, for a later run). People without a code are left alone."""
    async with sql.index_lookups():
        return await _redecide_locked(rt, person_ids, cause, skip_locked)


async def _redecide_locked(
    rt: Runtime, person_ids: list[int], cause: str, skip_locked: bool
) -> Tally:
    now = rt.now()
    locked = await lock_codes(person_ids, skip_locked)
    groups = await read_groups(locked, now, rt.ruleset.tz)
    tally = Tally(decided=len(locked), batches=1)
    if not groups:
        return tally
    districts = {d.adcode: d for d in await District.all()}
    decisions: dict[FactKey, Decision] = {}
    for (old, key), members in groups.items():
        if key not in decisions:
            decisions[key] = decide(facts_of(key, districts), now, rt.ruleset)
        decision = decisions[key]
        await store_decision(members, decision, now)
        if old != decision.color.value:
            await record_changes(members, old, decision, cause, now)
            tally.notices += await queue_same_change(members, old, decision.color.value, cause, now)
            tally.changed += len(members)
    return tally


async def redecide_in_batches(
    rt: Runtime,
    batches: AsyncIterator[list[int]],
    cause: str,
    total: int | None = None,
    workers: int | None = None,
) -> Tally:
    """One transaction per batch, ``workers`` of them at once (each on a connection of its own:
    PostgreSQL only, SQLite has one writer); logs a progress line per batch."""
    workers = workers or parallel_batches(rt)
    tally = Tally()
    queue: asyncio.Queue[list[int] | None] = asyncio.Queue(maxsize=workers)
    failed: list[BaseException] = []

    async def produce() -> None:
        try:
            async for person_ids in batches:
                if failed:
                    break
                await queue.put(person_ids)
        except Exception as error:
            failed.append(error)
        finally:
            for _ in range(workers):
                await queue.put(None)

    async def work() -> None:
        # A failure stops the run after the batches in hand, never inside one: a transaction
        # cancelled half-way could leave its connection (SQLite's only one) locked.
        while (person_ids := await queue.get()) is not None:
            if failed:
                continue
            try:
                async with UnitOfWork() as uow:
                    done = await redecide_batch(rt, person_ids, cause)
                    uow.commit()
            except Exception as error:
                failed.append(error)
                continue
            tally.add(done)
            _log_progress(cause, tally, total)

    await asyncio.gather(produce(), *(work() for _ in range(workers)))
    if failed:
        raise failed[0]
    tally.finish()
    log.info(
        "%s: done, %d codes re-decided, %d changed, %d notices in %.2f s",
        cause,
        tally.decided,
        tally.changed,
        tally.notices,
        tally.seconds,
    )
    return tally


def parallel_batches(rt: Runtime) -> int:
    """How many batches run at once: on PostgreSQL the configured number, each on its own
    pooled connection (never inside a transaction, whose one connection they would share)."""
    connection = connections.get("default")
    if not sql.is_postgres() or isinstance(connection, TransactionalDBClient):
        return 1
    return max(1, rt.settings.redecide_workers)


def _log_progress(cause: str, tally: Tally, total: int | None) -> None:
    rate = tally.decided / tally.seconds if tally.seconds > 0 else 0.0
    of = f"/{total}" if total is not None else ""
    log.info(
        "%s: batch %d, %d%s re-decided, %d changed, %.0f/s",
        cause,
        tally.batches,
        tally.decided,
        of,
        tally.changed,
        rate,
    )
