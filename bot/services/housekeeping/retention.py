"""Retention (docs/architecture.md): declarations, checkpoint scans and ID-card lookups older
than the configured days are deleted. A person's latest declaration stays whatever its age: it
is what their code is decided from (declared answers hold until the next declaration, FAQ 9),
and deleting it would change the colour behind their back. Deleting runs in batches, one short
transaction each.

A person erased by 注销 has no code to keep a declaration for: all their records go when old
enough, and then the person's row itself (``bot.services.residents.erasure``).

Residents' questions the FAQ did not answer, kept for officials, go when as old as that too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from bot.services.faq.questions import delete_old_questions
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.declaration import Declaration
from models.lookup import LookupLog
from models.person import Person
from models.staff import ScanLog

log = logging.getLogger(__name__)

BATCH = 5000


@dataclass(frozen=True)
class Deleted:
    declarations: int
    scans: int
    erased_people: int = 0
    questions: int = 0  # residents' questions the FAQ did not answer (bot.services.faq.questions)
    lookups: int = 0


async def delete_expired_records(rt: Runtime, batch: int = BATCH) -> Deleted:
    cutoff = rt.now() - timedelta(days=rt.settings.schedules.retention_days)
    declarations = await _old_declarations(cutoff, batch)
    scans = await _old_rows(ScanLog, cutoff, batch)
    lookups = await _old_rows(LookupLog, cutoff, batch)
    erased = await _erased_people_left_bare(batch)
    questions = await delete_old_questions(cutoff, batch)
    return Deleted(declarations, scans, erased, questions, lookups)


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
    """The id of each living person's latest declaration (the order decisions read them in)."""
    latest: dict[int, int] = {}
    rows = (
        await Declaration.filter(person_id__in=person_ids, person__erased_at__isnull=True)
        .order_by("person_id", "-declared_at", "-id")
        .values_list("person_id", "id")
        if person_ids
        else []
    )
    for person_id, row_id in rows:
        latest.setdefault(person_id, row_id)
    return set(latest.values())


async def _old_rows(model: type[ScanLog] | type[LookupLog], cutoff: datetime, batch: int) -> int:
    deleted = 0
    while True:
        ids = await model.filter(created_at__lt=cutoff).limit(batch).values_list("id", flat=True)
        if ids:
            deleted += await model.filter(id__in=ids).delete()
        if len(ids) < batch:
            return deleted


async def _erased_people_left_bare(batch: int) -> int:
    """Erased people whose last kept record has just gone: nothing holds them any more.
    Read from the few erased rows, never by scanning every declaration."""
    deleted, after = 0, 0
    while True:
        async with UnitOfWork() as uow:
            erased = cast(  # Tortoise types a flat values_list as tuples
                list[int],
                await Person.filter(erased_at__isnull=False, id__gt=after)
                .order_by("id")
                .limit(batch)
                .values_list("id", flat=True),
            )
            held: set[int] = set()
            for model in (Declaration, ScanLog):
                rows = model.filter(person_id__in=erased).distinct()
                held.update(cast(list[int], await rows.values_list("person_id", flat=True)))
            bare = [person_id for person_id in erased if person_id not in held]
            if bare:
                deleted += await Person.filter(id__in=bare).delete()
            uow.commit()
        if len(erased) < batch:
            return deleted
        after = erased[-1]


async def apply_retention(rt: Runtime) -> Deleted:
    done = await delete_expired_records(rt)
    log.info(
        "retention (%d days): %d declarations, %d scans and %d lookups deleted, %d erased people"
        " gone, %d unanswered questions",
        rt.settings.schedules.retention_days,
        done.declarations,
        done.scans,
        done.lookups,
        done.erased_people,
        done.questions,
    )
    return done
