"""The region's districts in the database: loaded once from the region's data file."""

from __future__ import annotations

from typing import cast

from bot.regions import RegionError
from bot.services.runtime import Runtime
from models.district import District


async def ensure_districts(rt: Runtime) -> int:
    """Insert the districts the database lacks; tiers already published are kept.

    A database whose districts are another region's stops the start: its people, codes and
    tiers were recorded for that region, and serving them as this one would mislabel them all.
    """
    # Tortoise types a flat values_list as tuples
    known = set(cast(list[int], await District.all().values_list("adcode", flat=True)))
    foreign = sorted(known - {d.adcode for d in rt.region})
    if foreign:
        raise RegionError(
            f"the database holds districts of another region ({', '.join(map(str, foreign[:3]))}"
            f"{', …' if len(foreign) > 3 else ''}), not of region {rt.region_info.adcode} "
            f"({rt.region_info.name_en}): check HC_REGION, HC_REGION_FILE and DATABASE_URL"
        )
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
        ],
        # processes starting together (serve --workers N on an empty database) each find the
        # same districts missing: the first insert wins, the others' rows are no-ops
        ignore_conflicts=True,
    )
    return len(missing)
