"""The stairway: every migration goes up, down and up again on each database, and each step
down gives back exactly the schema of the revision before it."""

from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector

from bot.db import tortoise_config

TABLES = {
    "person",
    "account",
    "declaration",
    "health_code",
    "code_change",
    "district",
    "dialogue_state",
    "processed_message",
    "staff",
    "scan_log",
    "notice",
    "unanswered_question",
    "trusted_region",
}
REVISIONS = sorted(
    path.stem
    for path in (Path(__file__).resolve().parents[2] / "models" / "migrations").glob("0*.py")
)
BOOKKEEPING = "tortoise_migrations"  # Tortoise's record of what is applied, not our schema
# On SQLite, 0002's AlterField of notice.account rebuilt the table without its composite index
# (status, due_at), going up and coming down; 0010 drops that index on purpose and, undone,
# makes it again (models/migration_ops.RemoveIndexIfExists). So between the two revisions
# SQLite has it or not by history: the one difference the stairway allows, and only there.
STATUS_DUE = ("index", "notice", "idx_notice_status_c3d494", 0, ("status", "due_at"))
SQLITE_BY_HISTORY = {"0002_officials": {STATUS_DUE}, "0010_notice_coalescing": {STATUS_DUE}}

_SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
    f"AND name <> '{BOOKKEEPING}'"
)
_PG_COLUMNS = f"""
SELECT table_name, column_name, data_type, is_nullable, column_default
FROM information_schema.columns
WHERE table_schema = 'public' AND table_name <> '{BOOKKEEPING}'
"""
_PG_INDEXES = f"""
SELECT tablename, indexname, indexdef FROM pg_indexes
WHERE schemaname = 'public' AND tablename <> '{BOOKKEEPING}'
"""
_PG_CONSTRAINTS = f"""
SELECT c.conrelid::regclass::text AS table_name, c.conname, pg_get_constraintdef(c.oid) AS def
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE n.nspname = 'public' AND c.conrelid::regclass::text <> '{BOOKKEEPING}'
"""


async def _schema(url: str) -> frozenset[tuple]:
    """Every table, column, index and constraint, as comparable rows."""
    await Tortoise.init(config=tortoise_config(url))
    try:
        conn = connections.get("default")
        if url.startswith("sqlite"):
            return await _sqlite_schema(conn)
        rows = [("column", *r.values()) for r in await conn.execute_query_dict(_PG_COLUMNS)]
        rows += [("index", *r.values()) for r in await conn.execute_query_dict(_PG_INDEXES)]
        rows += [
            ("constraint", *r.values()) for r in await conn.execute_query_dict(_PG_CONSTRAINTS)
        ]
        return frozenset(rows)
    finally:
        await Tortoise.close_connections()


async def _sqlite_schema(conn) -> frozenset[tuple]:
    rows: list[tuple] = []
    for (table,) in (await conn.execute_query(_SQLITE_TABLES))[1]:
        for column in (await conn.execute_query(f'PRAGMA table_info("{table}")'))[1]:
            _cid, name, kind, notnull, default, pk = column
            rows.append(("column", table, name, kind.upper(), notnull, default, pk))
        for index in (await conn.execute_query(f'PRAGMA index_list("{table}")'))[1]:
            name, unique = index[1], index[2]
            info = (await conn.execute_query(f'PRAGMA index_info("{name}")'))[1]
            columns = tuple(row[2] for row in sorted(tuple(row) for row in info))
            rows.append(
                ("index", table, name if not name.startswith("sqlite_") else "", unique, columns)
            )
        for fk in (await conn.execute_query(f'PRAGMA foreign_key_list("{table}")'))[1]:
            rows.append(("foreign key", table, *tuple(fk)[2:]))
    return frozenset(rows)


async def _tables(url: str) -> set[str]:
    return {row[1] for row in await _schema(url) if row[0] == "column"}


async def _migrate(url: str, **kwargs) -> None:
    await migrate(config=tortoise_config(url), **kwargs)
    await Tortoise.close_connections()


async def _to(url: str, revision: str | None, direction: str) -> None:
    target = f"models.{revision}" if revision else "models.__first__"
    await _migrate(url, target=target, direction=direction)


async def test_migrations_go_up_down_and_up_again(database_url: str) -> None:
    assert await _tables(database_url) >= TABLES
    await _migrate(database_url, target="models.__first__", direction="backward")
    assert not TABLES & await _tables(database_url)
    await _migrate(database_url)
    assert await _tables(database_url) >= TABLES
    await _migrate(database_url)  # applying again is a no-op
    assert await _tables(database_url) >= TABLES


async def test_each_revision_goes_up_down_and_up_again(database_url: str) -> None:
    sqlite = database_url.startswith("sqlite")
    await _to(database_url, None, "backward")
    before = await _schema(database_url)  # nothing of ours
    assert not await _tables(database_url)
    for previous, revision in zip([None, *REVISIONS], REVISIONS, strict=False):
        await _to(database_url, revision, "forward")
        after = await _schema(database_url)
        # (on SQLite a change of a column's type converts the values only: 0011)
        assert after != before or sqlite, f"{revision} changed nothing"
        await _to(database_url, previous, "backward")
        allowed = SQLITE_BY_HISTORY.get(revision, set()) if sqlite else set()
        assert await _schema(database_url) - allowed == before - allowed, f"{revision} undone"
        await _to(database_url, revision, "forward")
        assert await _schema(database_url) == after, f"{revision} up again differs"
        before = after
    await _migrate(database_url)  # the newest, as the other tests expect it
    assert await _schema(database_url) == before


def test_the_stairway_sees_every_revision() -> None:
    assert REVISIONS[0] == "0001_initial" and len(REVISIONS) == len(set(REVISIONS)) >= 11


async def test_the_models_are_what_the_migrations_make() -> None:
    """Tortoise's own autodetector (``makemigrations``) finds nothing to write: a model changed
    without its migration fails here."""
    config = tortoise_config("sqlite://:memory:")
    await Tortoise.init(config=config)
    try:
        writers = await MigrationAutodetector(Tortoise.apps, config["apps"]).changes()
    finally:
        await Tortoise.close_connections()
    missing = [f"{op.__class__.__name__} {op.describe()}" for w in writers for op in w.operations]
    assert not missing, "models changed without a migration:\n" + "\n".join(missing)
