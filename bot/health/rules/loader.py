"""Loading a ruleset from its TOML text; every problem is a ``RulesetError``."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.health.colors import Color
from bot.health.rules.cases import case_failures
from bot.health.rules.decision import Reason
from bot.health.rules.facts import Facts
from bot.health.rules.places import Place
from bot.health.rules.records import _convert, _get, _no_unknown, _record, _tables
from bot.health.rules.ruleset import Case, Rule, Ruleset, RulesetError
from bot.health.rules.validation import (
    _cases_cover_rules,
    _check_templates,
    _conditions,
    _rule_color,
)

MAX_VERSION_LENGTH = 3
_TOP_KEYS = {"version", "effective_from", "timezone", "places", "fallback", "rule", "case"}
_RULE_KEYS = {"id", "when", "color", "reason_zh", "reason_en"}
_CASE_KEYS = {"name", "rule", "now", "facts", "expect", "valid_until"}
_VERSION_CHARS = frozenset(map(chr, range(0x21, 0x7F)))


def load_ruleset(text: str) -> Ruleset:
    """Parse and check a ruleset file's text; every problem is a ``RulesetError``.

    The file's own cases are run too: a ruleset that contradicts its cases is refused.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesetError(f"not valid TOML: {error}") from error
    _no_unknown(data, _TOP_KEYS, "the ruleset")
    ruleset = _ruleset(data)
    failures = case_failures(ruleset)
    if failures:
        raise RulesetError("cases fail: " + "; ".join(failures))
    return ruleset


def _ruleset(data: dict[str, Any]) -> Ruleset:
    version = _get(data, "version", str, "the ruleset")
    # Printable ASCII without spaces, at most 3: it travels inside every signed code token, and
    # the token's fixed fields leave room for 3 characters before the QR grows past version 8.
    if not 1 <= len(version) <= MAX_VERSION_LENGTH or not set(version) <= _VERSION_CHARS:
        raise RulesetError(
            f"version {version!r}: 1 to {MAX_VERSION_LENGTH} printable ASCII characters"
        )
    ruleset = Ruleset(
        version=version,
        effective_from=_convert(
            datetime, _get(data, "effective_from", object, "the ruleset"), "effective_from"
        ),
        timezone=_timezone(_get(data, "timezone", str, "the ruleset")),
        high_risk=_places(data.get("places", {})),
        rules=_rules(_tables(data, "rule")),
        fallback=_fallback(_get(data, "fallback", dict, "the ruleset")),
    )
    cases = tuple(_case(item, i) for i, item in enumerate(_tables(data, "case"), 1))
    _cases_cover_rules(ruleset, cases)
    return replace(ruleset, cases=cases)


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise RulesetError(f"timezone {name!r} is unknown") from error
    return name


def _places(table: object) -> tuple[Place, ...]:
    if not isinstance(table, dict):
        raise RulesetError("[places] must be a table")
    _no_unknown(table, {"high_risk"}, "[places]")
    items = table.get("high_risk", [])
    if not isinstance(items, list):
        raise RulesetError("[places] high_risk must be a list")
    return tuple(_place(item) for item in items)


def _place(item: object) -> Place:
    # A bare name is its own English name; a table gives both ({ zh = "武汉", en = "Wuhan" }).
    if isinstance(item, str):
        return Place(item, item)
    if not isinstance(item, dict):
        raise RulesetError(f"[places] high_risk: {item!r} is neither a name nor a {{zh, en}} table")
    return _record(Place, item, "[places] high_risk")


def _fallback(table: dict[str, Any]) -> Reason:
    _no_unknown(table, {"id", "reason_zh", "reason_en"}, "[fallback]")
    return Reason(
        *(_get(table, key, str, "[fallback]") for key in ("id", "reason_zh", "reason_en"))
    )


def _rules(items: list[Any]) -> tuple[Rule, ...]:
    rules = tuple(_rule(item, i) for i, item in enumerate(items, 1))
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise RulesetError(f"rule ids must be unique: {ids}")
    return rules


def _rule(table: dict[str, Any], index: int) -> Rule:
    where = f"rule {table.get('id', index)!r}"
    _no_unknown(table, _RULE_KEYS, where)
    when = _conditions(_get(table, "when", dict, where), where)
    color = _rule_color(table.get("color"), when, where)
    rule = Rule(
        id=_get(table, "id", str, where),
        when=when,
        color=color,
        reason_zh=_get(table, "reason_zh", str, where),
        reason_en=_get(table, "reason_en", str, where),
    )
    _check_templates(rule, where)
    return rule


def _case(table: dict[str, Any], index: int) -> Case:
    where = f"case {table.get('name', index)!r}"
    _no_unknown(table, _CASE_KEYS, where)
    expected_end = table.get("valid_until")
    return Case(
        name=_get(table, "name", str, where),
        rule=_get(table, "rule", str, where),
        now=_convert(datetime, _get(table, "now", object, where), f"{where}: now"),
        facts=_record(Facts, table.get("facts", {}), f"{where}: facts"),
        expect=_convert(Color, _get(table, "expect", str, where), f"{where}: expect"),
        valid_until=None
        if expected_end in (None, "none")
        else _convert(datetime, expected_end, where),
        check_valid_until=expected_end is not None,
    )
