"""Is the service able to work: the database answers, and the outbox is not falling behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise import connections
from tortoise.functions import Count, Min

from bot.services.notices.kinds import NoticeStatus
from bot.services.notices.outbox import PRIORITIES
from models.outbox import Notice

WAITING = (NoticeStatus.PENDING, NoticeStatus.SENDING)


async def database_ok() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class Backlog:
    waiting: dict[str, int]  # notices not yet delivered, by status
    oldest_due_seconds: float  # how long the longest-waiting due notice has waited


async def outbox_backlog(now: datetime) -> Backlog:
    """Index-range reads over (status, priority, due_at): sent rows, however many, are not
    read; the oldest due notice is the first of each priority's range."""
    counts: dict[str, int] = {status.value: 0 for status in WAITING}
    rows = (
        await Notice.filter(status__in=WAITING)
        .annotate(n=Count("id"))
        .group_by("status")
        .values_list("status", "n")
    )
    counts.update(dict(rows))
    firsts: list[datetime | None] = []
    for priority in PRIORITIES:
        firsts += await (  # type: ignore[arg-type]  # Tortoise types a flat values_list as tuples
            Notice.filter(status=NoticeStatus.PENDING, priority=priority, due_at__lte=now)
            .annotate(first=Min("due_at"))
            .values_list("first", flat=True)
        )
    first_due = min((first for first in firsts if first is not None), default=None)
    waited = (now - first_due).total_seconds() if first_due else 0.0
    return Backlog(counts, max(0.0, waited))
