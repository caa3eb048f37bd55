"""Each checkpoint worker's ID-card lookups today, for the officials' console (docs/lookup.md):
an unusual count, or many numbers nobody has, is what abuse of the lane looks like."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from tortoise.functions import Count, Max

from bot.services.checkpoint.lookups import MALFORMED, UNKNOWN
from bot.services.runtime import Runtime
from models.lookup import LookupLog
from models.staff import Staff


@dataclass(frozen=True)
class WorkerLookups:
    staff_id: int
    name: str
    lookups: int
    unknown: int  # numbers nobody here has
    malformed: int  # numbers no document can have
    last_at: datetime


async def lookups_today(rt: Runtime) -> list[WorkerLookups]:
    """Since midnight in the region's time zone; the busiest worker first."""
    day = rt.now().astimezone(rt.ruleset.tz).date()
    start = datetime.combine(day, time(), rt.ruleset.tz).astimezone(UTC)
    rows = (
        await LookupLog.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
        .annotate(n=Count("id"), last=Max("created_at"))
        .group_by("staff_id", "outcome")
        .values_list("staff_id", "outcome", "n", "last")
    )
    counts: dict[int, dict[str, int]] = {}
    last: dict[int, datetime] = {}
    for staff_id, outcome, n, latest in rows:
        counts.setdefault(staff_id, {})[outcome] = n
        moment = _aware(latest)
        last[staff_id] = max(moment, last.get(staff_id, moment))
    names = dict(await Staff.filter(id__in=list(counts)).values_list("id", "name"))
    found = [
        WorkerLookups(
            staff_id,
            names.get(staff_id, "?"),
            sum(by_outcome.values()),
            by_outcome.get(UNKNOWN, 0),
            by_outcome.get(MALFORMED, 0),
            last[staff_id],
        )
        for staff_id, by_outcome in counts.items()
    ]
    return sorted(found, key=lambda w: (-w.lookups, w.staff_id))


def _aware(value: datetime | str) -> datetime:
    """An aggregate comes back as text on SQLite, as a datetime on PostgreSQL."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
