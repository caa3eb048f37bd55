"""PostgreSQL's pool gives connections back without asyncpg's reset query (bot/db.py): what
the service relies on still holds, a transaction left open by an error is rolled back."""

from __future__ import annotations

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from bot.db import tortoise_config
from bot.services import sql
from bot.services.access.staff import add_staff
from models.staff import Staff


def test_the_pool_keeps_the_session_instead_of_resetting_it() -> None:
    config = tortoise_config("postgresql://user@127.0.0.1:5432/name")
    credentials = config["connections"]["default"]["credentials"]
    assert credentials["reset"].__name__ == "_keep_session"
    assert credentials["database"] == "name" and credentials["user"] == "user"
    sqlite = tortoise_config("sqlite:///tmp/x.sqlite3")["connections"]["default"]
    assert sqlite["engine"] == "bot.sqlite_client" and "reset" not in sqlite["credentials"]


async def test_a_transaction_broken_by_an_error_leaves_nothing_behind(db: str) -> None:
    if connections.get("default").capabilities.dialect != "postgres":
        pytest.skip("PostgreSQL's pool")
    for _ in range(8):  # more than the pool's connections: each is given back and reused
        with pytest.raises(RuntimeError):
            async with in_transaction():
                await add_staff("戊", "checkpoint")
                raise RuntimeError("boom")
        assert await sql.one("SELECT 1 AS one") is not None
    assert not await Staff.filter(name="戊").exists()
