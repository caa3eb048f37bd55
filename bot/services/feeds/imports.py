"""The health authorities' feeds: records of confirmed, suspected, close-contact, quarantined,
recovered and cleared people, matched to residents by the keyed hash of the document alone
(docs/architecture.md).

A record is an upsert keyed by ``(source, record_id)``: sending the same records again changes
nothing, a record sent with new content replaces the old one. A record of someone not yet
registered is kept unmatched and applies when they register (``people.create_person``).

Records are taken in chunks of ``CHUNK``; each chunk is one transaction that writes its
records set-based (a staging table, then one upsert: ``bot.services.feeds.upsert``),
re-decides the people they name (``bot.services.redecide.batches``) and queues their notices, so a
feed of any size never holds a long lock, and a feed cut off half-way can be sent again. A
malformed record is rejected with its position (line of a file, index of a JSON list) and the
rest still imports.

``matched`` counts the received records that name a registered person (re-sent or not);
``created``/``updated``/``unchanged`` say what each valid record did to the stored feed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from tortoise import connections

from bot.health.errors import InvalidInput
from bot.services import audit
from bot.services.feeds.records import FeedRecord, parse_record, parse_source
from bot.services.feeds.upsert import write_records
from bot.services.redecide.batches import BATCH, Tally, redecide_batch
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from bot.texts import t
from models.authority import FeedImport

log = logging.getLogger(__name__)
CHUNK = 10_000  # records per transaction
MAX_KEPT_REJECTIONS = 1000  # the import's row keeps the first ones; the caller sees them all


@dataclass(frozen=True)
class Rejection:
    position: int  # the line of a file, or the index in a JSON list
    field: str | None
    code: str
    params: dict[str, object]

    def message(self, lang: str) -> str:
        return t(self.code, lang, **self.params)

    def as_dict(self, position_name: str, lang: str) -> dict[str, object]:
        return {position_name: self.position, "field": self.field, "error": self.message(lang)}


@dataclass
class FeedResult:
    import_id: int | None = None  # the import's row, written with the first unit of work
    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    matched: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    chunks: int = 0


Row = tuple[int, object]  # (position, the raw record: a dict, or an InvalidInput already)
Progress = Callable[[FeedResult], None]


async def import_feed(
    rt: Runtime,
    staff_id: int | None,
    source: str,
    rows: Iterable[Row],
    chunk: int = CHUNK,
    progress: Progress | None = None,
    position_name: str = "line",
) -> FeedResult:
    """Import the rows of one feed (see the module's docstring); records the import and its
    audit entry. ``position_name`` says what a rejection's position is: ``line`` or ``index``."""
    source = parse_source(source)
    result = FeedResult()
    today = rt.now().astimezone(rt.ruleset.tz).date()
    pending: dict[str, FeedRecord] = {}
    for position, raw in rows:
        result.received += 1
        try:
            record = parse_record(rt, raw, today)
        except InvalidInput as exc:
            result.rejected.append(Rejection(position, exc.field, exc.code, exc.params))
            continue
        # a record repeated within a chunk goes to the next one: records apply in file order
        if record.record_id in pending or len(pending) >= chunk:
            await _write_chunk(rt, result, source, staff_id, list(pending.values()))
            pending.clear()
            if progress:
                progress(result)
        pending[record.record_id] = record
    await _write_chunk(rt, result, source, staff_id, list(pending.values()))
    await _finish(rt, result, source, staff_id, position_name)
    if progress:
        progress(result)
    return result


async def _write_chunk(
    rt: Runtime, result: FeedResult, source: str, staff_id: int | None, records: list[FeedRecord]
) -> None:
    if not records:
        return
    result.chunks += 1
    async with UnitOfWork() as uow:
        await _import_row(rt, result, source, staff_id)
        await _plan_each_query()
        written = await write_records(source, records, rt.now())
        result.created += written.created
        result.updated += written.updated
        result.unchanged += written.unchanged
        result.matched += written.matched
        touched = written.touched
        for start in range(0, len(touched), BATCH):
            batch = touched[start : start + BATCH]
            # the chunk in the cause: one person changed by two chunks gets two notices
            cause = f"feed:{result.import_id}:{result.chunks}"
            result.tally.add(await redecide_batch(rt, batch, cause))
        await _save_counts(result)
        uow.commit()


async def _import_row(rt: Runtime, result: FeedResult, source: str, staff_id: int | None) -> None:
    """The import's row, written in the first unit of work that has something to record: an
    import that fails before it leaves no empty row behind."""
    if result.import_id is None:
        row = await FeedImport.create(source=source, staff_id=staff_id, created_at=rt.now())
        result.import_id = row.id


async def _plan_each_query() -> None:
    """PostgreSQL plans a prepared statement once for all after five runs; during an import the
    feed's table grows from what its statistics last saw (often nothing) to a great many rows,
    and that frozen plan (the ``source`` index alone, then a filter) turns each chunk's lookup
    into a scan of the whole feed: quadratic. Plan every statement of the chunk afresh."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")


async def _save_counts(result: FeedResult, rejected: list[dict[str, object]] | None = None) -> None:
    values: dict[str, Any] = {
        "received": result.received,
        "created": result.created,
        "updated": result.updated,
        "matched": result.matched,
    }
    if rejected is not None:
        values["rejected"] = rejected
    await FeedImport.filter(id=result.import_id).update(**values)


async def _finish(
    rt: Runtime, result: FeedResult, source: str, staff_id: int | None, position_name: str
) -> None:
    result.tally.finish()
    kept = [r.as_dict(position_name, "zh") for r in result.rejected[:MAX_KEPT_REJECTIONS]]
    async with UnitOfWork() as uow:
        await _import_row(rt, result, source, staff_id)
        await _save_counts(result, kept)
        after = {
            "source": source,
            "received": result.received,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "matched": result.matched,
            "rejected": len(result.rejected),
            **result.tally.as_dict(),
        }
        await audit.record(
            rt, staff_id, "feed.import", f"feed_import:{result.import_id}", None, after
        )
        uow.commit()
    log.info(
        "feed import %d from %s: %d received, %d created, %d updated, %d matched, %d rejected",
        result.import_id,
        source,
        result.received,
        result.created,
        result.updated,
        result.matched,
        len(result.rejected),
    )
