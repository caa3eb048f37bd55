"""Who holds the scheduler's leader lock, read from PostgreSQL's pg_locks."""

from __future__ import annotations

import asyncpg

from schedules.leader import LOCK_KEY


async def lock_holders(conn: asyncpg.Connection) -> list[int]:
    """The server processes holding the scheduler's advisory lock in this database (a bigint
    key shows in pg_locks as its high half in classid and its low half in objid)."""
    key = LOCK_KEY & 0xFFFF_FFFF_FFFF_FFFF
    rows = await conn.fetch(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND classid = $1::bigint::oid AND objid = $2::bigint::oid",
        key >> 32,
        key & 0xFFFF_FFFF,
    )
    return [row["pid"] for row in rows]
