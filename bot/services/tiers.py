"""Officials publish a district's risk tier; everyone whose colour can depend on it is
re-decided and told (DESIGN.md §9, §11).

The tier and its audit entry commit first; the people follow in batches, each batch one
transaction with its notices (why, and how a run that died is finished: ``bot.services.redecide``).
The official's request waits for the last batch, to answer how many were affected; a client
that gives up early does not stop the work (aiohttp does not cancel a handler on disconnect).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.health.errors import InvalidInput
from bot.health.rules import TIERS
from bot.services import audit
from bot.services.errors import NotFound
from bot.services.redecide import BATCH, Tally, redecide_in_batches
from bot.services.redecide_targets import DistrictTargets, presence_cutoff
from bot.services.runtime import Runtime
from bot.services.staff import StaffView
from bot.services.uow import UnitOfWork
from models.district import District

log = logging.getLogger(__name__)
MAX_NOTE = 200


@dataclass(frozen=True)
class TierChanged:
    adcode: int
    name: str
    tier: str
    previous: str
    tally: Tally


def parse_tier(raw: object) -> str:
    if not isinstance(raw, str) or raw.strip().lower() not in TIERS:
        raise InvalidInput("tiers.unknown_tier", field="tier")
    return raw.strip().lower()


def parse_note(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise InvalidInput("api.wrong_type", field="note")
    if len(raw.strip()) > MAX_NOTE:
        raise InvalidInput("tiers.note_too_long", field="note", max=MAX_NOTE)
    return raw.strip()


async def set_tier(
    rt: Runtime, staff: StaffView | None, adcode: int, tier: str, note: str, batch: int = BATCH
) -> TierChanged:
    """Publish ``tier`` for the district and re-decide everyone it can touch.

    The same tier sent again changes nothing, except that it finishes a change whose run died
    part-way: it re-decides only the people still decided before the change."""
    tier = parse_tier(tier)
    async with UnitOfWork() as uow:
        district = await District.filter(adcode=adcode).select_for_update().first()
        if district is None:
            raise NotFound("tiers.unknown_district", adcode=adcode)
        previous = district.tier
        if tier != previous or district.tier_changed_at is None:
            district.tier, district.tier_changed_at = tier, rt.now()
            await district.save(update_fields=["tier", "tier_changed_at"])
        await audit.record(
            rt,
            staff.id if staff else None,
            "tier.change",
            f"district:{adcode}",
            before={"tier": previous},
            after={"tier": tier, "note": note},
        )
        uow.commit()
    resume = tier == previous
    tally = await redecide_district(rt, district, batch, resume=resume)
    async with UnitOfWork() as uow:
        after = {"tier": tier, "resumed": resume, **tally.as_dict()}
        await audit.record(
            rt, staff.id if staff else None, "tier.redecided", f"district:{adcode}", after=after
        )
        uow.commit()
    return TierChanged(adcode, district.name, tier, previous, tally)


async def redecide_district(
    rt: Runtime, district: District, batch: int = BATCH, resume: bool = False
) -> Tally:
    """Everyone the district's tier can touch (``resume``: only those not reached yet)."""
    targets = DistrictTargets(
        district.adcode,
        since=presence_cutoff(rt.now()),
        decided_before=district.tier_changed_at if resume else None,
    )
    total = await targets.count()
    cause = f"tier:{district.adcode}:{district.tier}"
    log.info("%s: %d people to re-decide in batches of %d", cause, total, batch)
    return await redecide_in_batches(rt, targets.batches(batch), cause, total)


async def finish_unfinished(rt: Runtime, batch: int = BATCH) -> Tally:
    """Finish every tier change a process left part-done (``python -m bot redecide``)."""
    tally = Tally()
    for district in await District.filter(tier_changed_at__isnull=False).order_by("adcode"):
        tally.add(await redecide_district(rt, district, batch, resume=True))
    return tally.finish()
