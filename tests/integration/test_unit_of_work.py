"""The unit of work rolls back unless committed, and on error; nested, it is a savepoint."""

import pytest

from bot.services.uow import UnitOfWork
from models.staff import Staff


async def _add(name: str) -> None:
    await Staff.create(name=name, role="checkpoint", token_hash=name.ljust(64, "0"))


async def test_committed_work_is_kept(db: str) -> None:
    async with UnitOfWork() as uow:
        await _add("kept")
        uow.commit()
    assert await Staff.filter(name="kept").exists()


async def test_it_rolls_back_by_default(db: str) -> None:
    async with UnitOfWork():
        await _add("forgotten")
    assert not await Staff.filter(name="forgotten").exists()


async def test_it_rolls_back_on_error(db: str) -> None:
    with pytest.raises(RuntimeError):
        async with UnitOfWork() as uow:
            await _add("failed")
            uow.commit()
            raise RuntimeError("boom")
    assert not await Staff.filter(name="failed").exists()


async def test_a_nested_unit_that_is_not_committed_undoes_only_itself(db: str) -> None:
    async with UnitOfWork() as outer:
        await _add("outer")
        async with UnitOfWork():
            await _add("inner")
        outer.commit()
    assert await Staff.filter(name="outer").exists()
    assert not await Staff.filter(name="inner").exists()


async def test_a_nested_unit_fails_with_the_outer_one(db: str) -> None:
    async with UnitOfWork(), UnitOfWork() as inner:
        await _add("inner")
        inner.commit()
    assert not await Staff.filter(name="inner").exists()
