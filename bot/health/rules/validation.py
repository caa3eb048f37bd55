"""Checks on a loaded ruleset: rule colours, the condition vocabulary, reason templates and
that the cases cover the rules.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import Any

from bot.health.colors import Color
from bot.health.risk_tiers import TIERS
from bot.health.rules.facts import RISK_STATUSES, SYMPTOMS
from bot.health.rules.records import _convert, _record
from bot.health.rules.ruleset import Case, Conditions, Rule, Ruleset, RulesetError


def _rule_color(value: object, when: Conditions, where: str) -> Color | None:
    if when.override:
        if value is not None:
            raise RulesetError(f"{where}: an override rule takes its colour from the override")
        return None
    if value is None:
        raise RulesetError(f"{where}: color is missing")
    color: Color = _convert(Color, value, f"{where}: color")
    return color


def _conditions(table: dict[str, Any], where: str) -> Conditions:
    if not table:
        raise RulesetError(f"{where}: a rule needs at least one condition ([fallback] is green)")
    when = _record(Conditions, table, f"{where}: when")
    _check_vocabulary(when, where)
    return when


def _check_vocabulary(when: Conditions, where: str) -> None:
    days = (when.returned_from_listed_within_days, when.returned_within_days, when.within_days)
    problems = {
        "symptom_any: only fever, cough": not (when.symptom_any or SYMPTOMS) <= SYMPTOMS,
        "presence_in_tier: only low, medium, high": (when.presence_in_tier or "high") not in TIERS,
        "presence_in_tier and within_days go together": (when.presence_in_tier is None)
        != (when.within_days is None),
        # recovered and cleared end other records; they are no risk to match on.
        "authority_status_any: only confirmed, suspected, close_contact, quarantine": not (
            when.authority_status_any or RISK_STATUSES
        )
        <= RISK_STATUSES,
        "override: only true": when.override is False,
        "day counts: 0 or more": any(d is not None and d < 0 for d in days),
    }
    wrong = [rule for rule, broken in problems.items() if broken]
    if wrong:
        raise RulesetError(f"{where}: {wrong[0]}")


def _has_return(w: Conditions) -> bool:
    return w.returned_from_listed_within_days is not None or w.returned_within_days is not None


def _has_end(w: Conditions) -> bool:
    return _has_return(w) or bool(w.presence_in_tier or w.authority_status_any or w.override)


# Which conditions give each placeholder its value.
_PLACEHOLDERS: dict[str, Callable[[Conditions], bool]] = {
    "place": _has_return,
    "district": lambda w: w.presence_in_tier is not None,
    "until": _has_end,
    "reason": lambda w: bool(w.override),
}


def _check_templates(rule: Rule, where: str) -> None:
    for template in (rule.reason_zh, rule.reason_en):
        try:
            names = {
                name for _, name, _, _ in string.Formatter().parse(template) if name is not None
            }
        except ValueError as error:
            raise RulesetError(f"{where}: bad reason template {template!r}: {error}") from error
        for name in names:
            if name not in _PLACEHOLDERS or not _PLACEHOLDERS[name](rule.when):
                raise RulesetError(f"{where}: placeholder {{{name}}} has nothing to fill it")


def _cases_cover_rules(ruleset: Ruleset, cases: tuple[Case, ...]) -> None:
    ids = {rule.id for rule in ruleset.rules} | {ruleset.fallback.rule_id}
    strangers = sorted({case.rule for case in cases} - ids)
    if strangers:
        raise RulesetError(f"cases name unknown rules: {', '.join(strangers)}")
    untested = sorted(ids - {case.rule for case in cases})
    if untested:
        raise RulesetError(f"every rule needs a case; none for: {', '.join(untested)}")
