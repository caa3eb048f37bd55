"""The database: Tortoise configuration, start-up and migrations.

The same code runs on SQLite (the default) and PostgreSQL (``postgres://`` URLs, asyncpg).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate

from bot.services.sql import close_readers
from models import MODEL_MODULES

log = logging.getLogger(__name__)

# The migrations tool reads this when called as `tortoise -c bot.db.TORTOISE_ORM …`.
TORTOISE_ORM: dict[str, Any] = {}


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _normalised_url(database_url: str) -> str:
    if database_url.startswith("postgresql://"):
        return "postgres://" + database_url.removeprefix("postgresql://")
    if (
        database_url.startswith("sqlite://")
        and not database_url.startswith("sqlite://:memory:")
        and "synchronous=" not in database_url
    ):
        # WAL (Tortoise's default) with synchronous=NORMAL: a commit reaches the operating
        # system, not the disk, so a crash of the process loses nothing and a power cut may
        # lose the last commits (never the file). Each commit's fsync cost a chat step about a
        # third of its time (bench/README.md). PostgreSQL stays fully synchronous.
        return database_url + ("&" if "?" in database_url else "?") + "synchronous=NORMAL"
    return database_url


def _connection(database_url: str) -> str | dict[str, Any]:
    url = _normalised_url(database_url)
    if url.startswith("sqlite://"):
        config = expand_db_url(url)
        # Tortoise's client, with a transaction's point statements on the loop's thread
        config["engine"] = "bot.sqlite_client"
        return config
    if not url.startswith("postgres://"):
        return url
    config = expand_db_url(url)
    config["credentials"]["reset"] = _keep_session
    return config


async def _keep_session(_connection: Any) -> None:
    """What a connection goes back to the pool with: asyncpg's own reset (which it still runs
    first) rolls back an open transaction; its default query besides (``pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL``) was one more round trip after every statement outside
    a transaction, a third of a scan's, for state we never leave on a pooled connection: the
    leader's advisory lock has a connection of its own (``schedules/leader.py``), settings are
    ``SET LOCAL`` and nothing listens or keeps a cursor open."""


def _make_sqlite_folder(database_url: str) -> None:
    """SQLite creates the file, not its folder. Done on connecting, never on import: importing
    this module must not leave a data/ folder wherever it was imported."""
    if database_url.startswith("sqlite://") and not database_url.startswith("sqlite://:memory:"):
        Path(database_url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgres://", "postgresql://"))


async def apply_migrations(database_url: str) -> None:
    """Bring the schema up to the newest migration (idempotent)."""
    _make_sqlite_folder(database_url)
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def open_database(database_url: str) -> None:
    # The global fallback lets tasks that did not inherit the start-up context (scheduler jobs,
    # test code beside the server) reach the ORM; one process holds one database.
    _make_sqlite_folder(database_url)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_database() -> None:
    close_readers()
    await Tortoise.close_connections()


TORTOISE_ORM.update(tortoise_config("sqlite://data/healthcode.sqlite3"))
