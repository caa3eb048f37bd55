"""The region's districts are loaded by whichever process starts first, however many start at
once (``serve --workers N`` on an empty database)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.services.district_table import ensure_districts
from bot.services.runtime import build_runtime
from bot.settings import Settings
from models.district import District
from tests.support.clock import FakeClock


async def test_loads_racing_each_other_insert_each_district_once(
    db: str, tmp_path: Path, clock: FakeClock
) -> None:
    runtime = build_runtime(Settings(data_dir=tmp_path / "data", database_url=db), clock)
    # each reads "none known" before any inserts: the race two workers' start-ups run
    await asyncio.gather(*(ensure_districts(runtime) for _ in range(3)))
    assert await District.all().count() == len(list(runtime.region))
