"""Codes that change with time alone: re-decide every code whose ``valid_until`` has passed (a
quarantine ended, 14 days since a high-risk district, an official's override ran out) and
queue a notice for each one whose colour moved, in the same transaction as the change.

Batches in id order, one transaction each; on PostgreSQL the codes are locked with SKIP LOCKED,
so a code being re-decided by a tier change at that moment is left to the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.services.redecide.batches import redecide_batch
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.code import HealthCode

log = logging.getLogger(__name__)

CAUSE = "expiry"
BATCH = 500


@dataclass
class Expired:
    decided: int = 0
    changed: int = 0
    notices: int = 0


async def redecide_expired(rt: Runtime, batch: int = BATCH) -> Expired:
    now = rt.now()
    done, after = Expired(), 0
    while True:
        async with UnitOfWork() as uow:
            rows = await (
                HealthCode.filter(valid_until__lte=now, id__gt=after)
                .order_by("id")
                .limit(batch)
                .values_list("id", "person_id")
            )
            if rows:
                person_ids = [person for _, person in rows]
                tally = await redecide_batch(rt, person_ids, CAUSE, skip_locked=True)
                done.notices += tally.notices
                done.decided += tally.decided
                done.changed += tally.changed
            uow.commit()
        # Keyset order: a code the rules still end in the past is not picked twice in one run.
        if len(rows) < batch:
            return done
        after = rows[-1][0]


async def redecide_expired_codes(rt: Runtime) -> Expired:
    done = await redecide_expired(rt)
    # Runs every minute: a line when something happened, a debug line otherwise.
    level = logging.INFO if done.decided else logging.DEBUG
    log.log(
        level,
        "expired codes: %d re-decided, %d changed colour, %d notices queued",
        done.decided,
        done.changed,
        done.notices,
    )
    return done
