"""Who a cause touches, as batches of person ids read with keyset queries (never OFFSET).

``decided_before`` selects only the codes decided before a mark: the people a run that died
did not reach (see ``bot.services.redecide.batches``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from bot.services.codes.decisions import PRESENCE_DAYS
from models.code import HealthCode
from models.declaration import Declaration
from models.person import Person


def presence_cutoff(now: datetime) -> datetime:
    """Declarations since then can name a presence the rules still count (as ``facts_for``)."""
    return now - timedelta(days=PRESENCE_DAYS + 1)


@dataclass(frozen=True)
class DistrictTargets:
    """Everyone whose colour can depend on a district's tier: its residents, and the people
    who declared presence there within the window while living elsewhere."""

    adcode: int
    since: datetime
    decided_before: datetime | None = None

    async def count(self) -> int:
        return await self._residents().count() + len(await self._visitors())

    async def batches(self, size: int) -> AsyncIterator[list[int]]:
        visitors = await self._visitors()
        cursor = 0
        while True:
            query = self._residents().filter(id__gt=cursor).order_by("id").limit(size)
            ids = cast(list[int], await query.values_list("id", flat=True))
            if not ids:
                break
            yield ids
            cursor = ids[-1]
        for start in range(0, len(visitors), size):
            yield visitors[start : start + size]

    def _residents(self) -> QuerySet[Person]:
        query = Person.filter(district_id=self.adcode)
        if self.decided_before is not None:
            query = query.filter(code__decided_at__lt=self.decided_before)
        return query

    async def _visitors(self) -> list[int]:
        elsewhere = Q(person__district_id__not=self.adcode) | Q(person__district_id__isnull=True)
        query = Declaration.filter(
            elsewhere,
            district_id=self.adcode,
            declared_at__gte=self.since,
            person__erased_at__isnull=True,  # kept for the law only: no code to decide
        )
        if self.decided_before is not None:
            query = query.filter(person__code__decided_at__lt=self.decided_before)
        # (Tortoise types a flat values_list as tuples, here and in ``batches``)
        found = cast(list[int], await query.distinct().values_list("person_id", flat=True))
        return sorted(set(found))


@dataclass(frozen=True)
class RulesetTargets:
    """Every code decided under another ruleset version (``version=None``: every code)."""

    version: str | None

    async def count(self) -> int:
        return await self._codes().count()

    async def batches(self, size: int) -> AsyncIterator[list[int]]:
        cursor = 0
        while True:
            query = self._codes().filter(person_id__gt=cursor).order_by("person_id").limit(size)
            ids = cast(list[int], await query.values_list("person_id", flat=True))
            if not ids:
                break
            yield ids
            cursor = ids[-1]

    def _codes(self) -> QuerySet[HealthCode]:
        query = HealthCode.all()
        return query.exclude(rules_version=self.version) if self.version is not None else query
