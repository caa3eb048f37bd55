"""``sql.one``, the hot reads' statement runner (bot/services/sql.py): on SQLite a point read
outside a transaction uses a read-only connection of its own, so these check that it sees what
the service wrote, when it wrote it, on both databases."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
from pathlib import Path

from tortoise import connections

from bot.db import close_database, open_database
from bot.services import sql
from bot.services.access.staff import add_staff
from bot.services.codes.hot_reads import staff_by_token_hash
from bot.services.uow import UnitOfWork
from models.staff import Staff
from tests.support import databases

_BY_NAME = "SELECT id, name, active FROM staff WHERE name = $1"


async def test_a_committed_write_is_read_at_once(db: str) -> None:
    assert await sql.one(_BY_NAME, "甲") is None
    staff, _ = await add_staff("甲", "checkpoint")
    row = await sql.one(_BY_NAME, "甲")
    assert row is not None and row["id"] == staff.id and row["name"] == "甲"
    await Staff.filter(id=staff.id).update(active=False)
    row = await sql.one(_BY_NAME, "甲")
    assert row is not None and not row["active"]
    await Staff.filter(id=staff.id).delete()
    assert await sql.one(_BY_NAME, "甲") is None


async def test_inside_a_unit_of_work_its_own_writes_are_read(db: str) -> None:
    async with UnitOfWork() as uow:
        staff, _ = await add_staff("乙", "checkpoint")
        row = await sql.one(_BY_NAME, "乙")  # not committed yet: only the transaction sees it
        assert row is not None and row["id"] == staff.id
        uow.commit()
    assert (await sql.one(_BY_NAME, "乙")) is not None


async def test_an_uncommitted_write_is_not_read_outside_its_transaction(db: str) -> None:
    inside, outside = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with UnitOfWork():  # rolled back: never committed
            await add_staff("丙", "checkpoint")
            inside.set()
            await outside.wait()

    task = asyncio.create_task(writer())
    await inside.wait()
    if connections.get("default").capabilities.dialect == "sqlite":
        # Tortoise's one SQLite connection is the transaction's until it ends; the read does
        # not wait for it, and reads the committed state
        assert await asyncio.wait_for(sql.one(_BY_NAME, "丙"), 5) is None
    outside.set()
    await task
    assert await sql.one(_BY_NAME, "丙") is None


async def test_a_reopened_database_is_the_one_read(database_url: str) -> None:
    """Each open of the ORM (a restarted app, a test's fresh file) reads its own database, even
    one put at the same path as the last."""
    await open_database(database_url)
    try:
        staff, token = await add_staff("丁", "checkpoint")
        found = await staff_by_token_hash(_hash(token))
        assert found is not None and found.id == staff.id
    finally:
        await close_database()
    if database_url.startswith("sqlite://"):
        template = await databases._sqlite_template()
        shutil.copyfile(template, Path(database_url.removeprefix("sqlite://")))
        Path(database_url.removeprefix("sqlite://") + "-wal").unlink(missing_ok=True)
    else:
        await _delete_postgres_staff()
    await open_database(database_url)
    try:
        assert await staff_by_token_hash(_hash(token)) is None
    finally:
        await close_database()


async def _delete_postgres_staff() -> None:
    await open_database(databases.POSTGRES_URL)
    try:
        await Staff.all().delete()
    finally:
        await close_database()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
