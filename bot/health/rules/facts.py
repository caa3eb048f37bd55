"""What is known about a person: declared answers, trips, presences, the authority's records
and an official's override.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.health.colors import Color

SYMPTOMS = frozenset({"fever", "cough"})
RISK_STATUSES = frozenset({"confirmed", "suspected", "close_contact", "quarantine"})
ENDING_STATUSES = frozenset({"recovered", "cleared"})


@dataclass(frozen=True)
class Trip:
    place: str  # as the person wrote it: "湖北武汉", "Wuhan", "北京"
    returned_on: date


@dataclass(frozen=True)
class Presence:
    adcode: int
    district_name: str
    district_name_en: str
    tier: str  # the district's current tier
    last_seen: date


@dataclass(frozen=True)
class AuthorityRecord:
    """A record of the health authorities. ``since`` and ``until`` are each a day or an
    instant: a day starts at local midnight, and a quarantine's ``until`` day is its last,
    inclusive (it ends at the next midnight); an instant ("until 18:00") is exact."""

    status: str
    since: date | datetime
    until: date | datetime | None = None  # the end of a quarantine

    def __post_init__(self) -> None:
        if self.status not in RISK_STATUSES | ENDING_STATUSES:
            raise ValueError(f"unknown authority status {self.status!r}")


@dataclass(frozen=True)
class Override:
    color: Color
    until: datetime
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class Facts:
    symptoms: frozenset[str] = frozenset()
    temperature: float | None = None
    contact: bool = False
    # No condition reads it: declared answers hold until the next declaration (FAQ 9).
    declared_at: datetime | None = None
    trips: tuple[Trip, ...] = ()
    presences: tuple[Presence, ...] = ()
    authority: tuple[AuthorityRecord, ...] = ()
    override: Override | None = None

    def __post_init__(self) -> None:
        if not self.symptoms <= SYMPTOMS:
            raise ValueError(f"unknown symptoms {sorted(self.symptoms - SYMPTOMS)}")
