"""A ruleset as typed records: its rules, their conditions, and the cases that test them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.health.colors import Color
from bot.health.rules.decision import Reason
from bot.health.rules.facts import Facts
from bot.health.rules.places import Place


class RulesetError(ValueError):
    """A ruleset file that cannot be used; the message names the offending key or case."""


@dataclass(frozen=True)
class Conditions:
    """The closed vocabulary; a rule matches when every condition that is set holds."""

    declared_contact: bool | None = None
    symptom_any: frozenset[str] | None = None
    temperature_at_least: float | None = None
    returned_from_listed_within_days: int | None = None
    returned_within_days: int | None = None
    presence_in_tier: str | None = None
    within_days: int | None = None
    authority_status_any: frozenset[str] | None = None
    override: bool | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    when: Conditions
    color: Color | None  # None for an override rule: the override brings its colour
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class Case:
    name: str
    rule: str  # a rule id the decision must give as a reason
    now: datetime
    facts: Facts
    expect: Color
    valid_until: datetime | None = None
    check_valid_until: bool = False  # TOML has no null: "none" in the file means "no end"


@dataclass(frozen=True)
class Ruleset:
    version: str
    effective_from: datetime
    timezone: str
    high_risk: tuple[Place, ...]
    rules: tuple[Rule, ...]
    fallback: Reason  # the green reason when no rule matches
    cases: tuple[Case, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_effective(self, now: datetime) -> bool:
        return now >= self.effective_from
