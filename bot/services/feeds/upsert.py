"""Writing a chunk of checked feed records set-based (``bot.services.feeds.imports``): the
records go into a staging table (COPY on PostgreSQL, one multi-row insert on SQLite), then a handful
of statements over all of them match their people, tell what each record does to the stored feed,
insert the new ones and update the changed ones. Nothing runs per record.

In the caller's transaction. On PostgreSQL the stored records a chunk changes are locked first,
in id order, so two imports of overlapping records wait for each other instead of deadlocking;
a record a concurrent import inserted first stands (``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise import connections

from bot.services import sql
from bot.services.feeds.records import FeedRecord

STAGE = "feed_stage"
_COLUMNS = ("record_id", "doc_lookup", "status", "since", "until")

_CREATE = {
    "postgres": f"""
CREATE TEMPORARY TABLE {STAGE} (
    record_id TEXT PRIMARY KEY, doc_lookup TEXT NOT NULL, status TEXT NOT NULL,
    since TIMESTAMPTZ NOT NULL, until TIMESTAMPTZ,
    person_id INT, existing INT, old_person INT, same BOOLEAN
) ON COMMIT DROP""",
    # one connection, kept: the table stays, emptied for each chunk
    "sqlite": f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE} (
    record_id TEXT PRIMARY KEY, doc_lookup TEXT NOT NULL, status TEXT NOT NULL,
    since TEXT NOT NULL, until TEXT,
    person_id INT, existing INT, old_person INT, same BOOLEAN
)""",
}

_MATCH = f"""
UPDATE {STAGE} AS s SET person_id = p.id FROM person p WHERE p.doc_lookup = s.doc_lookup
"""

_LOCK = f"""
SELECT a.id FROM {STAGE} s JOIN authority_record a ON a.source = $1 AND a.record_id = s.record_id
WHERE (a.doc_lookup, a.status, a.since, a.until, a.person_id)
      IS DISTINCT FROM (s.doc_lookup, s.status, s.since, s.until, s.person_id)
ORDER BY a.id FOR UPDATE OF a
"""

_CLASSIFY = f"""
UPDATE {STAGE} AS s
SET existing = a.id, old_person = a.person_id,
    same = (a.doc_lookup = s.doc_lookup AND a.status = s.status AND a.since = s.since
            AND a.until IS NOT DISTINCT FROM s.until)
FROM authority_record a WHERE a.source = $1 AND a.record_id = s.record_id
"""

_COUNTS = f"""
SELECT count(*) FILTER (WHERE existing IS NULL),
       count(*) FILTER (WHERE existing IS NOT NULL AND NOT same),
       count(*) FILTER (WHERE existing IS NOT NULL AND same),
       count(person_id)
FROM {STAGE}
"""

_MOVED = "(existing IS NULL OR NOT same OR person_id IS DISTINCT FROM old_person)"

# The people whose records changed: those the records name now, and those they named before
_TOUCHED = f"""
SELECT person_id FROM {STAGE} WHERE person_id IS NOT NULL AND {_MOVED}
UNION
SELECT old_person FROM {STAGE} WHERE old_person IS NOT NULL AND {_MOVED}
"""

_INSERT = f"""
INSERT INTO authority_record
    (source, record_id, doc_lookup, person_id, status, since, until, created_at, updated_at)
SELECT $1, record_id, doc_lookup, person_id, status, since, until, $2{{moment}}, $3{{moment}}
FROM {STAGE} WHERE existing IS NULL
ON CONFLICT (source, record_id) DO NOTHING
"""

_UPDATE = f"""
UPDATE authority_record AS a
SET doc_lookup = s.doc_lookup, person_id = s.person_id, status = s.status, since = s.since,
    until = s.until, updated_at = $1
FROM {STAGE} s WHERE a.id = s.existing AND (NOT s.same OR s.person_id IS DISTINCT FROM s.old_person)
"""


@dataclass(frozen=True)
class ChunkWritten:
    created: int
    updated: int
    unchanged: int
    matched: int
    touched: list[int]  # the people whose records changed, to re-decide


async def write_records(source: str, records: list[FeedRecord], now: datetime) -> ChunkWritten:
    """Stage, match and upsert one chunk of records (distinct record ids)."""
    postgres = sql.is_postgres()
    await sql.execute(_CREATE["postgres" if postgres else "sqlite"])
    if not postgres:
        await sql.execute(f"DELETE FROM {STAGE}")
    await _stage(records, postgres)
    await sql.execute(_MATCH)
    if postgres:
        await sql.fetch(_LOCK, source)
    await sql.execute(_CLASSIFY, source)
    created, updated, unchanged, matched = (await sql.fetch(_COUNTS))[0]
    touched = sorted(row[0] for row in await sql.fetch(_TOUCHED))
    moment = "::timestamptz" if postgres else ""
    await sql.execute(
        _INSERT.format(moment=moment), source, sql.moment_param(now), sql.moment_param(now)
    )
    await sql.execute(_UPDATE, sql.moment_param(now))
    return ChunkWritten(created, updated, unchanged, matched, touched)


async def _stage(records: list[FeedRecord], postgres: bool) -> None:
    rows = [(r.record_id, r.doc_lookup, r.status, r.since, r.until) for r in records]
    connection = connections.get("default")
    if postgres:
        # the transaction's own asyncpg connection: COPY is not in Tortoise's vocabulary
        await connection._connection.copy_records_to_table(STAGE, records=rows, columns=_COLUMNS)
        return
    values = [
        (record_id, lookup, status, sql.sqlite_moment(since), _or_none(until))
        for record_id, lookup, status, since, until in rows
    ]
    names = ", ".join(_COLUMNS)
    await connection.execute_many(f"INSERT INTO {STAGE} ({names}) VALUES (?, ?, ?, ?, ?)", values)


def _or_none(moment: datetime | None) -> str | None:
    return sql.sqlite_moment(moment) if moment is not None else None
