"""Districts of the test region (Tianjin) by adcode, and a runtime with them loaded."""

from __future__ import annotations

from pathlib import Path

from bot.services.district_table import ensure_districts
from bot.services.redecide.tiers import set_tier
from bot.services.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.support.clock import FakeClock

BINHAI, JIZHOU, HEPING = 120116, 120119, 120101  # low, low, medium in March 2020


async def runtime_with_districts(db: str, tmp_path: Path, clock: FakeClock) -> Runtime:
    runtime = build_runtime(Settings(data_dir=tmp_path / "data", database_url=db), clock)
    await ensure_districts(runtime)
    return runtime


async def tier(rt: Runtime, clock: FakeClock, level: str) -> None:
    """Five seconds on, Binhai's tier set to ``level`` (by no named official)."""
    clock.advance(seconds=5)
    await set_tier(rt, None, BINHAI, level, "")
