"""Running a ruleset's own cases against its rules."""

from __future__ import annotations

from bot.health.rules.decide import decide
from bot.health.rules.ruleset import Case, Ruleset


def case_failures(ruleset: Ruleset) -> list[str]:
    """One sentence per case of ``ruleset`` that its own rules contradict."""
    return [failure for case in ruleset.cases if (failure := _case_failure(case, ruleset))]


def _case_failure(case: Case, ruleset: Ruleset) -> str | None:
    decision = decide(case.facts, case.now, ruleset)
    ids = [reason.rule_id for reason in decision.reasons]
    if decision.color is not case.expect:
        return f"case {case.name!r}: expected {case.expect}, got {decision.color} ({ids})"
    if case.rule not in ids:
        return f"case {case.name!r}: rule {case.rule!r} is not among the reasons {ids}"
    if case.check_valid_until and decision.valid_until != case.valid_until:
        return f"case {case.name!r}: valid_until {decision.valid_until}, not {case.valid_until}"
    return None
