"""The region's districts in the database: loaded once from the region's data file."""

from __future__ import annotations

from bot.services.runtime import Runtime
from models.district import District


async def ensure_districts(rt: Runtime) -> int:
    """Insert the districts the database lacks; tiers already published are kept."""
    known = set(await District.all().values_list("adcode", flat=True))
    missing = [d for d in rt.region if d.adcode not in known]
    if not missing:  # an empty bulk insert is a syntax error on PostgreSQL
        return 0
    await District.bulk_create(
        [
            District(
                adcode=d.adcode,
                name=d.name,
                name_en=d.name_en,
                lat=d.lat,
                lng=d.lng,
                tier=d.tier_2020,
            )
            for d in missing
        ]
    )
    return len(missing)
