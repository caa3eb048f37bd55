"""What officials see at a glance: codes by colour and district, open appeals, today's scans
and the latest feed imports. Aggregates in the database (``GROUP BY``), never a row per person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from tortoise.functions import Count

from bot.health.colors import Color
from bot.services.runtime import Runtime
from models.appeal import Appeal
from models.authority import FeedImport
from models.code import HealthCode
from models.district import District
from models.staff import ScanLog, Staff


@dataclass(frozen=True)
class DistrictCodes:
    adcode: int | None  # None: people with no district on record
    name: str | None
    name_en: str | None
    tier: str | None
    tier_changed_at: datetime | None
    colors: dict[str, int] = field(default_factory=dict)  # every colour, zero included

    @property
    def total(self) -> int:
        return sum(self.colors.values())


@dataclass(frozen=True)
class Stats:
    by_color: dict[str, int]
    districts: list[DistrictCodes]  # every district in adcode order, then "none" if any
    appeals_open: int
    day: date  # today in the region's time zone (Asia/Shanghai)
    scans_today: int
    scans_by_verdict: dict[str, int]
    as_of: datetime

    @property
    def codes(self) -> int:
        return sum(self.by_color.values())


async def stats(rt: Runtime) -> Stats:
    now = rt.now()
    counts = await _codes_by_district()
    districts = [
        _district(d, counts.pop(d.adcode, {})) for d in await District.all().order_by("adcode")
    ]
    if counts.get(None):
        districts.append(DistrictCodes(None, None, None, None, None, _zeroed(counts.pop(None))))
    day, scans = await _scans_today(rt, now)
    by_color = {c.value: sum(d.colors[c.value] for d in districts) for c in Color}
    return Stats(
        by_color=by_color,
        districts=districts,
        appeals_open=await Appeal.filter(status="open").count(),
        day=day,
        scans_today=sum(scans.values()),
        scans_by_verdict=scans,
        as_of=now,
    )


async def _codes_by_district() -> dict[int | None, dict[str, int]]:
    rows = (
        await HealthCode.annotate(n=Count("id"))
        .group_by("person__district_id", "color")
        .values_list("person__district_id", "color", "n")
    )
    counts: dict[int | None, dict[str, int]] = {}
    for adcode, color, n in rows:
        counts.setdefault(adcode, {})[color] = n
    return counts


def _district(d: District, colors: dict[str, int]) -> DistrictCodes:
    return DistrictCodes(d.adcode, d.name, d.name_en, d.tier, d.tier_changed_at, _zeroed(colors))


def _zeroed(colors: dict[str, int]) -> dict[str, int]:
    return {c.value: colors.get(c.value, 0) for c in Color}


async def _scans_today(rt: Runtime, now: datetime) -> tuple[date, dict[str, int]]:
    """Scans since midnight in the region's time zone (the rules' zone: Asia/Shanghai)."""
    tz = rt.ruleset.tz
    day = now.astimezone(tz).date()
    # in UTC: SQLite compares the stored UTC text with the parameter's text as written
    start = datetime.combine(day, time(), tz).astimezone(UTC)
    rows = (
        await ScanLog.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
        .annotate(n=Count("id"))
        .group_by("verdict")
        .values_list("verdict", "n")
    )
    return day, dict(rows)


@dataclass(frozen=True)
class FeedImportView:
    id: int
    source: str
    staff: str | None
    received: int
    created: int
    updated: int
    matched: int
    rejected: int
    created_at: datetime


async def recent_feed_imports(limit: int = 10) -> list[FeedImportView]:
    rows = await FeedImport.all().order_by("-created_at", "-id").limit(limit)
    names = dict(
        await Staff.filter(id__in={r.staff_id for r in rows if r.staff_id}).values_list(
            "id", "name"
        )
    )
    return [
        FeedImportView(
            r.id,
            r.source,
            names.get(r.staff_id) if r.staff_id else None,
            r.received,
            r.created,
            r.updated,
            r.matched,
            len(r.rejected or []),
            r.created_at,
        )
        for r in rows
    ]
