"""Retention (DESIGN.md §7): declarations and checkpoint scans older than the configured days
are deleted. A person's latest declaration stays whatever its age: it is what their code is
decided from (declared answers hold until the next declaration, FAQ 9), and deleting it would
change the colour behind their back. Deleting runs in batches, one short transaction each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.declaration import Declaration
from models.staff import ScanLog

BATCH = 5000


@dataclass(frozen=True)
class Deleted:
    declarations: int
    scans: int


async def delete_expired_records(rt: Runtime, batch: int = BATCH) -> Deleted:
    cutoff = rt.now() - timedelta(days=rt.settings.schedules.retention_days)
    return Deleted(await _old_declarations(cutoff, batch), await _old_scans(cutoff, batch))


async def _old_declarations(cutoff: datetime, batch: int) -> int:
    deleted, after = 0, 0
    while True:
        async with UnitOfWork() as uow:
            rows = await (
                Declaration.filter(declared_at__lt=cutoff, id__gt=after)
                .order_by("id")
                .limit(batch)
                .values_list("id", "person_id")
            )
            keep = await _latest_of({person for _, person in rows})
            doomed = [row_id for row_id, _ in rows if row_id not in keep]
            if doomed:
                deleted += await Declaration.filter(id__in=doomed).delete()
            uow.commit()
        if len(rows) < batch:
            return deleted
        after = rows[-1][0]


async def _latest_of(person_ids: set[int]) -> set[int]:
    """The id of each person's latest declaration (the order decisions read them in)."""
    latest: dict[int, int] = {}
    rows = (
        await Declaration.filter(person_id__in=person_ids)
        .order_by("person_id", "-declared_at", "-id")
        .values_list("person_id", "id")
        if person_ids
        else []
    )
    for person_id, row_id in rows:
        latest.setdefault(person_id, row_id)
    return set(latest.values())


async def _old_scans(cutoff: datetime, batch: int) -> int:
    deleted = 0
    while True:
        ids = await ScanLog.filter(created_at__lt=cutoff).limit(batch).values_list("id", flat=True)
        if ids:
            deleted += await ScanLog.filter(id__in=ids).delete()
        if len(ids) < batch:
            return deleted
