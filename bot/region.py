"""The default region (Tianjin), read once from the data shipped inside the package."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from bot.health.districts import Region

DEFAULT_DISTRICTS_FILE = "tianjin-districts.csv"


@cache
def load_default_region() -> Region:
    """Tianjin's 16 districts from ``bot/data/``; read once, the data never changes at run time."""
    text = (files("bot") / "data" / DEFAULT_DISTRICTS_FILE).read_text(encoding="utf-8")
    return Region.from_csv_text(text)
