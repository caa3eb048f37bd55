"""Taking notices out of the outbox and recording how their delivery went (DESIGN.md §8).

Claiming a row moves it to ``sending`` with a lease: a sender that dies mid-send leaves the
row to be claimed again when the lease runs out, so every notice is delivered at least once,
and only a row in flight at a crash can be delivered twice. Rows a sender claimed but did not
start (it was stopped, or its lease was running out) are handed back at once.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.outbox import Notice

LEASE = timedelta(seconds=60)  # the default of settings.schedules.outbox_lease
MAX_ATTEMPTS = 8
BASE_DELAY_SECONDS = 5.0
MAX_DELAY_SECONDS = 3600.0


@dataclass(frozen=True)
class Delivery:
    id: int
    openid: str | None  # None for a mass send: its payload names the recipients
    channel: str | None
    kind: str
    payload: dict
    attempts: int
    dedupe_key: str = ""
    account_id: int | None = None
    lang: str = "zh"
    last_message_at: datetime | None = None


async def claim_due(rt: Runtime, limit: int) -> list[Delivery]:
    now = rt.now()
    lease = rt.settings.schedules.outbox_lease
    async with UnitOfWork() as uow:
        # SKIP LOCKED lets several senders share the table on PostgreSQL; SQLite ignores it
        # and runs one sender.
        rows = (
            await Notice.filter(status__in=("pending", "sending"), due_at__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("due_at", "id")
            .limit(limit)
            .prefetch_related("account")
        )
        ids = [row.id for row in rows]
        if ids:
            await Notice.filter(id__in=ids).update(status="sending", due_at=now + lease)
        uow.commit()
    return [_delivery(row) for row in rows]


def _delivery(row: Notice) -> Delivery:
    account = row.account
    return Delivery(
        id=row.id,
        openid=account.openid if account else None,
        channel=account.channel if account else None,
        kind=row.kind,
        payload=row.payload,
        attempts=row.attempts,
        dedupe_key=row.dedupe_key,
        account_id=account.id if account else None,
        lang=account.lang if account else "zh",
        last_message_at=account.last_message_at if account else None,
    )


async def release(rt: Runtime, notice_ids: Iterable[int]) -> None:
    """Claimed but never started: due again now, for this sender or the next."""
    ids = list(notice_ids)
    if ids:
        await Notice.filter(id__in=ids, status="sending").update(status="pending", due_at=rt.now())


async def postpone(rt: Runtime, notice_id: int, delay: timedelta, reason: str) -> None:
    """Not tried (the API's quota ran out): due again later, without counting an attempt."""
    await Notice.filter(id=notice_id).update(
        status="pending", due_at=rt.now() + delay, last_error=reason[:500]
    )


async def mark_skipped(rt: Runtime, notice_id: int, reason: str) -> None:
    """Not sent on purpose: what it said is no longer true."""
    await Notice.filter(id=notice_id).update(status="skipped", last_error=reason[:500])


async def mark_sent(rt: Runtime, notice_id: int) -> None:
    await Notice.filter(id=notice_id).update(status="sent", sent_at=rt.now(), last_error=None)


async def mark_failed(rt: Runtime, notice_id: int, reason: str) -> None:
    """A permanent refusal (the person unfollowed): the row ends with the reason."""
    await Notice.filter(id=notice_id).update(status="failed", last_error=reason[:500])


async def mark_retry(rt: Runtime, delivery: Delivery, reason: str) -> None:
    attempts = delivery.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        await Notice.filter(id=delivery.id).update(
            status="failed", attempts=attempts, last_error=f"gave up: {reason}"[:500]
        )
        return
    await Notice.filter(id=delivery.id).update(
        status="pending",
        attempts=attempts,
        due_at=rt.now() + backoff(attempts),
        last_error=reason[:500],
    )


def backoff(attempts: int) -> timedelta:
    """Exponential, with full jitter so a burst of failures does not retry in lockstep."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
