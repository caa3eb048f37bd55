"""Re-deciding many people at once: a tier change over a district, a feed, a new ruleset.

How the work is cut into transactions (DESIGN.md §11). A million codes in one transaction
would hold a million row locks for minutes, stall every declaration of those people behind
them, and lose all the work when anything fails at the end. So:

1. The cause commits first, on its own, in a short transaction: the district's new tier with
   its ``tier_changed_at`` and the audit entry (a new ruleset needs no row: its version is the
   mark). That row is the job record.
2. People are then visited in batches of ``BATCH`` (keyset order on the person id, so each
   batch is one indexed range query, never an ``OFFSET``). Each batch is one transaction that
   locks its codes, reads the facts of the whole batch with a handful of queries, updates the
   codes in bulk and inserts their history and notices in bulk: a code never changes without
   its notice, and no lock lives longer than one batch.
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

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from bot.services.decisions import redecide_many
from bot.services.outbox import queue_code_changes
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.code import HealthCode

log = logging.getLogger(__name__)
BATCH = 1000


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


async def redecide_batch(rt: Runtime, person_ids: list[int], cause: str) -> Tally:
    """Re-decide these people and queue a notice for every changed code, in the caller's unit
    of work. The codes are locked first (PostgreSQL; SQLite has one writer anyway), so a
    declaration filed meanwhile waits for this batch instead of being overwritten by a decision
    made from facts read before it."""
    # ``only``, not ``values_list``: Tortoise drops FOR UPDATE from a values query
    await HealthCode.filter(person_id__in=person_ids).select_for_update().order_by("id").only("id")
    outcome = await redecide_many(rt, person_ids, cause)
    notices = await queue_code_changes(rt, outcome.changed, cause)
    return Tally(decided=outcome.decided, changed=len(outcome.changed), notices=notices, batches=1)


async def redecide_in_batches(
    rt: Runtime,
    batches: AsyncIterator[list[int]],
    cause: str,
    total: int | None = None,
) -> Tally:
    """One transaction per batch of person ids; logs a progress line per batch."""
    tally = Tally()
    async for person_ids in batches:
        async with UnitOfWork() as uow:
            done = await redecide_batch(rt, person_ids, cause)
            uow.commit()
        tally.add(done)
        _log_progress(cause, tally, total)
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
