"""Officials publish a district's risk tier; everyone whose colour can depend on it is
re-decided and told (docs/architecture.md).

The tier and its audit entry commit first (``publish_tier``); the people follow in batches,
each batch one transaction with its notices (``redecide_published``; why, and how a run that
died is finished: ``bot.services.redecide.batches``). ``change_district_tier`` decides how: a small
district is re-decided while the official's request waits; a large one (over
``HC_TIER_WAIT_PEOPLE``) by the caller's background work, its progress read with
``tier_progress`` (the people still decided before the change).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.health.errors import InvalidInput
from bot.health.risk_tiers import TIERS, Tier
from bot.services import audit
from bot.services.access.staff import StaffView
from bot.services.errors import NotFound
from bot.services.redecide.batches import BATCH, Tally, redecide_in_batches
from bot.services.redecide.targets import DistrictTargets, presence_cutoff
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.district import District

log = logging.getLogger(__name__)
MAX_NOTE = 200
# runs a coroutine after the request has been answered; the name says what it is
Background = Callable[[Coroutine[Any, Any, Any], str], None]


@dataclass(frozen=True)
class Published:
    """A tier that took effect; its people are still to be re-decided."""

    district: District
    staff_id: int | None
    previous: str
    resume: bool  # the same tier again: finish a change whose run died part-way
    pending: int  # people whose colour can depend on the tier, still to re-decide


@dataclass(frozen=True)
class TierChanged:
    adcode: int
    name: str
    tier: str
    previous: str
    tally: Tally


@dataclass(frozen=True)
class TierProgress:
    adcode: int
    name: str
    tier: str
    changed_at: datetime | None
    remaining: int  # people still decided before the change: 0 when the work is done


def parse_tier(raw: object) -> Tier:
    if not isinstance(raw, str) or raw.strip().lower() not in TIERS:
        raise InvalidInput("tiers.unknown_tier", field="tier")
    return Tier(raw.strip().lower())


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
    """Publish ``tier`` for the district and re-decide everyone it can touch, waiting for it."""
    published = await publish_tier(rt, staff, adcode, tier, note)
    tally = await redecide_published(rt, published, batch)
    district = published.district
    return TierChanged(district.adcode, district.name, district.tier, published.previous, tally)


async def publish_tier(
    rt: Runtime, staff: StaffView | None, adcode: int, tier: str, note: str
) -> Published:
    """The tier and its audit entry, committed on their own: the job's mark.

    The same tier sent again changes nothing, except that it finishes a change whose run died
    part-way: only the people still decided before the change are then counted and visited."""
    tier = parse_tier(tier)
    async with UnitOfWork() as uow:
        district = await District.filter(adcode=adcode).select_for_update().first()
        if district is None:
            raise NotFound("tiers.unknown_district", adcode=adcode)
        previous = district.tier
        if tier != previous or district.tier_changed_at is None:
            district.tier, district.tier_changed_at = tier, rt.now()
            await district.save(update_fields=["tier", "tier_changed_at"])
        staff_id = staff.id if staff else None
        await audit.record(
            rt,
            staff_id,
            "tier.change",
            f"district:{adcode}",
            before={"tier": previous},
            after={"tier": tier, "note": note},
        )
        uow.commit()
    resume = tier == previous
    pending = await _targets(rt, district, resume).count()
    return Published(district, staff_id, previous, resume, pending)


async def redecide_published(rt: Runtime, published: Published, batch: int = BATCH) -> Tally:
    """Re-decide the people of a published tier in batches, then record what was done."""
    district = published.district
    tally = await redecide_district(
        rt, district, batch, resume=published.resume, total=published.pending
    )
    async with UnitOfWork() as uow:
        await _mark_done(rt, district)
        after = {"tier": district.tier, "resumed": published.resume, **tally.as_dict()}
        await audit.record(
            rt, published.staff_id, "tier.redecided", f"district:{district.adcode}", after=after
        )
        uow.commit()
    return tally


async def _mark_done(rt: Runtime, district: District) -> None:
    """Everyone the change touched is re-decided; unless a newer change has moved the mark."""
    await District.filter(adcode=district.adcode, tier_changed_at=district.tier_changed_at).update(
        tier_done_at=rt.now()
    )


@dataclass(frozen=True)
class TierChange:
    """What an official's tier change did."""

    adcode: int
    name: str
    tier: str
    previous: str
    affected: int  # people whose colour can depend on the tier, to re-decide
    tally: Tally | None  # None: they are being re-decided in the background


async def change_district_tier(
    rt: Runtime, staff: StaffView, adcode: int, tier: str, note: str, background: Background
) -> TierChange:
    """Publish the tier, then re-decide its people now (few of them) or hand the work to
    ``background`` (more than ``HC_TIER_WAIT_PEOPLE``)."""
    published = await publish_tier(rt, staff, adcode, tier, note)
    district = published.district
    tally = None
    if published.pending <= rt.settings.tier_wait_people:
        tally = await redecide_published(rt, published)
    else:
        background(redecide_published(rt, published), f"tier:{adcode}:{district.tier}")
    return TierChange(
        district.adcode, district.name, district.tier, published.previous, published.pending, tally
    )


async def tier_progress(rt: Runtime, adcode: int) -> TierProgress:
    district = await District.get_or_none(adcode=adcode)
    if district is None:
        raise NotFound("tiers.unknown_district", adcode=adcode)
    remaining = 0
    if district.tier_changed_at is not None:
        remaining = await _targets(rt, district, resume=True).count()
    return TierProgress(
        district.adcode, district.name, district.tier, district.tier_changed_at, remaining
    )


def _targets(rt: Runtime, district: District, resume: bool) -> DistrictTargets:
    return DistrictTargets(
        district.adcode,
        since=presence_cutoff(rt.now()),
        decided_before=district.tier_changed_at if resume else None,
    )


async def redecide_district(
    rt: Runtime,
    district: District,
    batch: int = BATCH,
    resume: bool = False,
    total: int | None = None,
) -> Tally:
    """Everyone the district's tier can touch (``resume``: only those not reached yet);
    ``total``, when the caller has counted them already, for the progress log."""
    targets = _targets(rt, district, resume)
    if total is None:
        total = await targets.count()
    cause = f"tier:{district.adcode}:{district.tier}"
    log.info("%s: %d people to re-decide in batches of %d", cause, total, batch)
    return await redecide_in_batches(rt, targets.batches(batch), cause, total)


async def finish_unfinished(rt: Runtime, batch: int = BATCH) -> Tally:
    """Finish every tier change a process left part-done (``python -m bot redecide``)."""
    return await _finish(rt, await District.filter(tier_changed_at__isnull=False), batch)


async def finish_stalled(rt: Runtime, grace: timedelta, batch: int = BATCH) -> Tally:
    """The scheduler's part: finish the changes whose work stopped part-way, those marked more
    than ``grace`` ago and never recorded as done. The grace leaves a change being worked on
    to the process doing it (a million people take under a minute)."""
    cutoff = rt.now() - grace
    changed = await District.filter(tier_changed_at__isnull=False, tier_changed_at__lt=cutoff)
    return await _finish(rt, [d for d in changed if _unfinished(d)], batch)


def _unfinished(district: District) -> bool:
    """Marked by a tier change that never recorded its end (or recorded the end of an older
    one)."""
    changed, done = district.tier_changed_at, district.tier_done_at
    return changed is not None and (done is None or done < changed)


async def _finish(rt: Runtime, districts: list[District], batch: int) -> Tally:
    tally = Tally()
    for district in sorted(districts, key=lambda d: d.adcode):
        tally.add(await redecide_district(rt, district, batch, resume=True))
        await _mark_done(rt, district)
    return tally.finish()
