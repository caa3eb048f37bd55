"""The stairway: every migration goes up, down and up again on each database."""

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

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
}


async def _tables(url: str) -> set[str]:
    await Tortoise.init(config=tortoise_config(url))
    try:
        conn = connections.get("default")
        if url.startswith("sqlite"):
            rows = await conn.execute_query_dict(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
            return {row["name"] for row in rows}
        rows = await conn.execute_query_dict(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        )
        return {row["name"] for row in rows}
    finally:
        await Tortoise.close_connections()


async def _migrate(url: str, **kwargs) -> None:
    await migrate(config=tortoise_config(url), **kwargs)
    await Tortoise.close_connections()


async def test_migrations_go_up_down_and_up_again(database_url: str) -> None:
    assert await _tables(database_url) >= TABLES
    await _migrate(database_url, target="models.__first__", direction="backward")
    assert not TABLES & await _tables(database_url)
    await _migrate(database_url)
    assert await _tables(database_url) >= TABLES
    await _migrate(database_url)  # applying again is a no-op
    assert await _tables(database_url) >= TABLES
