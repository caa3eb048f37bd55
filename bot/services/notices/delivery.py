"""Taking notices out of the outbox and recording how their delivery went (docs/notices.md).

Claiming a row moves it to ``sending`` with a lease: a sender that dies mid-send leaves the
row to be claimed again when the lease runs out, so every notice is delivered at least once,
and only a row in flight at a crash can be delivered twice. Rows a sender claimed but did not
start (it was stopped, or its lease was running out) are handed back at once.

The claim takes the most urgent rows first (``Notice.priority``) and only the newest of an
account's notices about one person; a row a quota holds back is postponed to the quota's reset
without counting an attempt (docs/notices.md).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Subquery

from bot.services.notices import coalescing
from bot.services.notices.kinds import NoticeStatus, Payload, read_payload
from bot.services.notices.outbox import PRIORITIES
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.outbox import Notice
from models.person import Account

MAX_ATTEMPTS = 8
BASE_DELAY_SECONDS = 5.0
MAX_DELAY_SECONDS = 3600.0
SUPERSEDED = "superseded: a newer notice to this account about this person replaces it"
NOTHING_NEW = "superseded: the code is again the colour the person was last told"


@dataclass(frozen=True)
class Delivery:
    id: int
    openid: str | None  # None for a mass send: its payload names the recipients
    channel: str | None
    kind: str  # a NoticeKind's value, or an unknown kind a newer version wrote
    stored_payload: dict[str, Any]
    attempts: int
    dedupe_key: str = ""
    account_id: int | None = None
    lang: str = "zh"
    last_message_at: datetime | None = None

    @property
    def payload(self) -> Payload:
        """Read when the notice is sent, so a row this version cannot read fails alone."""
        return read_payload(self.kind, self.stored_payload)


@dataclass(frozen=True)
class Claim:
    deliveries: list[Delivery]  # to send now, under the lease
    examined: int  # due rows looked at: fewer than the limit means the outbox is drained
    superseded: int  # of those, ended without a message (a newer one replaces them)


async def claim_due(rt: Runtime, limit: int) -> Claim:
    """Claim up to ``limit`` due notices, most urgent first, under a lease.

    SKIP LOCKED lets several senders share the table on PostgreSQL (SQLite ignores it and runs
    one sender). Of each account's notices about one person only the newest is claimed; the
    older ones end superseded (bot/services/notices/coalescing.py)."""
    now = rt.now()
    async with UnitOfWork() as uow:
        await _reopen_expired_leases(now)
        rows = await _due(now, limit)
        settled = await coalescing.settle(rows, now)
        await _supersede(settled, rows)
        claimed = [row.id for row in settled.claim]
        if claimed:
            await Notice.filter(id__in=claimed).update(
                status=NoticeStatus.SENDING, due_at=now + rt.settings.schedules.outbox_lease
            )
        for row in settled.retold:
            await Notice.filter(id=row.id).update(payload=row.payload)
        uow.commit()
    ended = sum(1 for row in rows if row.id in settled.superseded | settled.nothing_new)
    return Claim([_delivery(row) for row in settled.claim], len(rows), ended)


async def _reopen_expired_leases(now: datetime) -> None:
    """Rows whose sender died mid-send are due again: pending, claimed like any other."""
    expired = await (
        Notice.filter(status=NoticeStatus.SENDING, due_at__lte=now)
        .select_for_update(skip_locked=True)
        .only("id")
    )
    if expired:
        await Notice.filter(id__in=[row.id for row in expired]).update(status=NoticeStatus.PENDING)


async def _due(now: datetime, limit: int) -> list[Notice]:
    """One index range per priority, in due order: no sort, however long the backlog."""
    rows: list[Notice] = []
    for priority in PRIORITIES:
        if len(rows) >= limit:
            break
        rows += (
            await Notice.filter(status=NoticeStatus.PENDING, priority=priority, due_at__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("due_at", "id")
            .limit(limit - len(rows))
            .prefetch_related("account")
        )
    return rows


async def _supersede(settled: coalescing.Settled, candidates: list[Notice]) -> None:
    mine = {row.id for row in candidates}
    # stale rows this claim did not pick are taken only if no other sender holds them
    others = [row_id for row_id in settled.superseded if row_id not in mine]
    if others:
        free = await (
            Notice.filter(id__in=others, status=NoticeStatus.PENDING)
            .select_for_update(skip_locked=True)
            .only("id")
        )
        ids = {row_id for row_id in settled.superseded if row_id in mine} | {r.id for r in free}
    else:
        ids = settled.superseded
    if ids:
        await Notice.filter(id__in=list(ids)).update(
            status=NoticeStatus.SKIPPED, last_error=SUPERSEDED
        )
    if settled.nothing_new:
        await Notice.filter(id__in=list(settled.nothing_new)).update(
            status=NoticeStatus.SKIPPED, last_error=NOTHING_NEW
        )


def _delivery(row: Notice) -> Delivery:
    account = row.account
    return Delivery(
        id=row.id,
        openid=account.openid if account else None,
        channel=account.channel if account else None,
        kind=row.kind,
        stored_payload=row.payload,
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
        await Notice.filter(id__in=ids, status=NoticeStatus.SENDING).update(
            status=NoticeStatus.PENDING, due_at=rt.now()
        )


async def postpone(rt: Runtime, notice_id: int, until: datetime, reason: str) -> None:
    """Not sent (a quota ran out): due again at ``until``, without counting an attempt."""
    await Notice.filter(id=notice_id).update(
        status=NoticeStatus.PENDING, due_at=until, last_error=reason[:500]
    )


async def postpone_through(
    kinds_by_channel: dict[str | None, tuple[str, ...]], until: datetime, reason: str
) -> int:
    """Every waiting notice that would go through a paused API is due again at ``until``: one
    statement per channel, so the claim stops meeting them (and the notices of the APIs still
    open go out meanwhile). Returns how many moved."""
    moved = 0
    for channel, kinds in kinds_by_channel.items():
        # priority IN (…): one index range per priority, not a walk over every pending row
        waiting = Notice.filter(
            status=NoticeStatus.PENDING,
            priority__in=PRIORITIES,
            due_at__lt=until,
            kind__in=[str(kind) for kind in kinds],
        )
        if channel is None:
            waiting = waiting.filter(account_id__isnull=True)
        else:
            waiting = waiting.filter(
                account_id__in=Subquery(Account.filter(channel=channel).values("id"))
            )
        moved += await waiting.update(due_at=until, last_error=reason[:500])
    return moved


async def mark_skipped(rt: Runtime, notice_id: int, reason: str) -> None:
    """Not sent on purpose: what it said is no longer true."""
    await Notice.filter(id=notice_id).update(status=NoticeStatus.SKIPPED, last_error=reason[:500])


async def mark_sent(rt: Runtime, notice_id: int) -> None:
    await Notice.filter(id=notice_id).update(
        status=NoticeStatus.SENT, sent_at=rt.now(), last_error=None
    )


async def mark_failed(rt: Runtime, notice_id: int, reason: str) -> None:
    """A permanent refusal (the person unfollowed): the row ends with the reason."""
    await Notice.filter(id=notice_id).update(status=NoticeStatus.FAILED, last_error=reason[:500])


async def mark_retry(rt: Runtime, delivery: Delivery, reason: str) -> None:
    attempts = delivery.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        await Notice.filter(id=delivery.id).update(
            status=NoticeStatus.FAILED, attempts=attempts, last_error=f"gave up: {reason}"[:500]
        )
        return
    await Notice.filter(id=delivery.id).update(
        status=NoticeStatus.PENDING,
        attempts=attempts,
        due_at=rt.now() + backoff(attempts),
        last_error=reason[:500],
    )


def backoff(attempts: int) -> timedelta:
    """Exponential, with full jitter so a burst of failures does not retry in lockstep."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
