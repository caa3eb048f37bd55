"""The databases tests run on: SQLite always, PostgreSQL too when TEST_POSTGRES_URL is set.

SQLite gets a fresh file per test. PostgreSQL gets its schema rebuilt once per session (so a
second run after an interrupted one starts clean) and its tables emptied before each test.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import asyncpg
from tortoise.backends.base.executor import EXECUTOR_CACHE

from bot.db import apply_migrations

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
_postgres_migrated = False
_sqlite_template_path: Path | None = None


async def _sqlite_template() -> Path:
    """A migrated SQLite file made once per session; each test gets a copy (migrating every
    test's file cost about a second each)."""
    global _sqlite_template_path
    if _sqlite_template_path is None:
        folder = Path(tempfile.mkdtemp(prefix="hc-sqlite-template-"))
        path = folder / "template.sqlite3"
        await apply_migrations(f"sqlite://{path}")
        _sqlite_template_path = path
    return _sqlite_template_path


async def prepare(backend: str, tmp_path: Path) -> str:
    # Tortoise caches each model's INSERT statement by connection *name*, not by dialect: after
    # a SQLite test, a PostgreSQL test would reuse "VALUES (?,?)" and fail. One process runs
    # one backend in production; only the test run switches, so only it clears the cache.
    EXECUTOR_CACHE.clear()
    if backend == "sqlite":
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(await _sqlite_template(), target)
        return f"sqlite://{target}"
    await _prepare_postgres()
    return POSTGRES_URL


async def _prepare_postgres() -> None:
    global _postgres_migrated
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
    try:
        if not _postgres_migrated:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        else:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'tortoise_migrations'"
            )
            names = ", ".join(f'"{row["tablename"]}"' for row in tables)
            if names:
                await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
    if not _postgres_migrated:
        await apply_migrations(POSTGRES_URL)
        _postgres_migrated = True


def _asyncpg_dsn(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]
