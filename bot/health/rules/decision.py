"""A decision: the colour, the reasons shown for it, and until when it holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.health.colors import Color


@dataclass(frozen=True)
class Reason:
    rule_id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Decision:
    color: Color
    reasons: tuple[Reason, ...]
    valid_until: datetime | None
    rules_version: str
