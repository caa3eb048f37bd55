"""A district's risk tier, as officials publish it. The values are the words stored in the
database, written in ruleset files and sent in the API, so they never change."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


TIERS: tuple[Tier, ...] = tuple(Tier)  # in order of risk
