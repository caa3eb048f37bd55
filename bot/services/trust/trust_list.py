"""The trust list: other regions whose codes our checkpoints accept (docs/trust.md).

Each entry holds a region's published public keys and the moment they go stale; a scan of its
token is then verified offline (bot/services/trust/trusted_keys.py). Every change is one transaction
with its audit entry. The keys come fetched and checked (bot/trust_fetch.py, by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.transactions import in_transaction

from bot.health.key_sets import KeySetError, PublishedKeys, encode_x
from bot.regions import BUNDLED, RegionConfig, RegionError, bundled_region
from bot.services.audit import record
from bot.services.runtime import Runtime
from models.trust import TrustedRegion

DEFAULT_DAYS = 7
MAX_DAYS = 90


@dataclass(frozen=True)
class TrustView:
    adcode: int
    name: str
    name_en: str
    source: str
    kids: tuple[str, ...]
    fetched_at: datetime
    expires_at: datetime
    stale: bool


class TrustError(KeySetError):
    """A trust list action that cannot be done, as a sentence for the operator."""


def check_trust_request(rt: Runtime, adcode: int, days: int) -> None:
    """What can be refused before fetching anything."""
    if not 100000 <= adcode <= 999999:
        raise TrustError(f"ADCODE must be a six-digit region code like 110000, not {adcode}")
    if adcode == rt.settings.region_adcode:
        raise TrustError(f"{adcode} is this service's own region: its keys are trusted already")
    if not 1 <= days <= MAX_DAYS:
        raise TrustError(f"--days must be 1 to {MAX_DAYS}, not {days}")


async def add_trust(
    rt: Runtime,
    adcode: int,
    source: str,
    published: PublishedKeys,
    days: int = DEFAULT_DAYS,
    name: str | None = None,
    name_en: str | None = None,
) -> TrustView:
    """Trust the keys fetched from ``source`` for ``adcode`` for ``days``; replaces an entry."""
    check_trust_request(rt, adcode, days)
    _check_claimed_region(source, published, adcode)
    zh, en = _names(adcode, published, name, name_en)
    now = rt.now()
    async with in_transaction():
        before = await TrustedRegion.get_or_none(adcode=adcode)
        row = before or TrustedRegion(adcode=adcode, created_at=now)
        old = _audited(before) if before else None
        row.name, row.name_en, row.source, row.days = zh, en, source, days
        _renew(row, published, now)
        await row.save()
        await record(rt, None, "trust.add", f"region:{adcode}", before=old, after=_audited(row))
    return _view(row, now)


async def list_trust(rt: Runtime) -> list[TrustView]:
    now = rt.now()
    return [_view(row, now) for row in await TrustedRegion.all().order_by("adcode")]


async def trusted_sources() -> list[tuple[int, str]]:
    """Each entry's adcode and where its keys came from, for a refresh to fetch again."""
    return list(await TrustedRegion.all().order_by("adcode").values_list("adcode", "source"))


async def remove_trust(rt: Runtime, adcode: int) -> TrustView:
    now = rt.now()
    async with in_transaction():
        row = await TrustedRegion.get_or_none(adcode=adcode)
        if row is None:
            raise TrustError(f"region {adcode} is not in the trust list")
        await row.delete()
        await record(rt, None, "trust.remove", f"region:{adcode}", before=_audited(row))
    return _view(row, now)


async def renew_trust(rt: Runtime, adcode: int, published: PublishedKeys) -> None:
    """The entry's keys as fetched again, good for its days from now. An entry that is not
    renewed keeps its keys until it goes stale (its codes are then refused "stale trust
    list"), never longer."""
    now = rt.now()
    async with in_transaction():
        row = await TrustedRegion.get_or_none(adcode=adcode)
        if row is None:  # removed while we fetched: removing wins
            return
        _check_claimed_region(row.source, published, adcode)
        before = _audited(row)
        _renew(row, published, now)
        await row.save()
        await record(rt, None, "trust.refresh", f"region:{adcode}", before, _audited(row))


def _renew(row: TrustedRegion, published: PublishedKeys, now: datetime) -> None:
    row.keys = [{"kid": k.kid.hex(), "x": encode_x(k.public_bytes)} for k in published.keys]
    row.fetched_at = now
    row.expires_at = now + timedelta(days=row.days)


def _check_claimed_region(source: str, published: PublishedKeys, adcode: int) -> None:
    if published.region is not None and published.region != adcode:
        raise TrustError(
            f"{source} says it is region {published.region}, not {adcode}: wrong URL or adcode?"
        )


def _names(
    adcode: int, published: PublishedKeys, name: str | None, name_en: str | None
) -> tuple[str, str]:
    bundled = _bundled(adcode)
    zh = name or published.name or (bundled.name if bundled else None)
    if not zh:
        raise TrustError(f"region {adcode} does not say its name: give it with --name")
    en = name_en or published.name_en or (bundled.name_en if bundled else None) or zh
    if len(zh) > 40 or len(en) > 40:
        raise TrustError("a region's name is at most 40 characters")
    return zh, en


def _bundled(adcode: int) -> RegionConfig | None:
    if adcode not in BUNDLED:
        return None
    try:
        return bundled_region(adcode)
    except RegionError:
        return None


def _audited(row: TrustedRegion) -> dict[str, object]:
    return {
        "source": row.source,
        "kids": [key["kid"] for key in row.keys],
        "expires_at": row.expires_at.isoformat(),
    }


def _view(row: TrustedRegion, now: datetime) -> TrustView:
    return TrustView(
        adcode=row.adcode,
        name=row.name,
        name_en=row.name_en,
        source=row.source,
        kids=tuple(key["kid"] for key in row.keys),
        fetched_at=row.fetched_at,
        expires_at=row.expires_at,
        stale=now >= row.expires_at,
    )
