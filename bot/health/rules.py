"""Deciding a person's colour from their facts under a ruleset (DESIGN.md §3).

A ruleset is data (TOML, see ``bot/rules/default.toml``) with a closed vocabulary of conditions;
nothing in it is ever evaluated as code. ``decide`` is pure: the same facts, clock and ruleset
always give the same ``Decision``.

Time: "within N days" counts whole local days in the ruleset's time zone (Asia/Shanghai). A
return on day D is within 14 days while ``D >= today - 14``: on D + 14 it still counts, and it
stops at 00:00 local time on D + 15, the ``valid_until`` it contributes. A quarantine's ``until``
is its last day, inclusive. Declared symptoms, temperature and contact hold until the person
declares again (FAQ 9): they carry no end.

Overrides: an official's override sets the colour while it lasts, above and below the rules'
colour, with one exception: it cannot lower red. Red comes only from the health authority's
records or the person's own declaration, and is corrected at its source (a ``cleared`` record,
a new declaration), never hidden by a manual change that would outlive new evidence.
"""

from __future__ import annotations

import string
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from types import NoneType, UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.health.colors import Color

SYMPTOMS = frozenset({"fever", "cough"})
RISK_STATUSES = frozenset({"confirmed", "suspected", "close_contact", "quarantine"})
ENDING_STATUSES = frozenset({"recovered", "cleared"})
TIERS = frozenset({"low", "medium", "high"})


class RulesetError(ValueError):
    """A ruleset file that cannot be used; the message names the offending key or case."""


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
    status: str
    since: date
    until: date | None = None  # last day of a quarantine, inclusive

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


@dataclass(frozen=True)
class Place:
    zh: str
    en: str


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


# --- place names -------------------------------------------------------------------------------

# Between a province and its city: "湖北省武汉市". Nothing else is stripped while reading, since
# whatever follows the most specific listed name (市, 江岸区, City) is ignored anyway.
_JOINERS = ("中国", "china", "省", "province", "sheng")
# Endings a listed name may be written with in the ruleset: "湖北省" is listed as 湖北. None of
# them ends a listed name's core (unlike 州 in 荆州 or "shi" in Enshi, so those are not here).
_SUFFIXES = ("自治州", "地区", "林区", "省", "市", "province", "prefecture", "city")


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and spaces; keeping letters and digits ignores spaces and
    # punctuation ("Wuhan, Hubei", "湖北·武汉").
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


@cache
def _place_keys(place: Place) -> tuple[str, ...]:
    keys = {_strip_suffix(_normalise(name)) for name in (place.zh, place.en)}
    return tuple(key for key in keys if key)


def _strip_suffix(key: str) -> str:
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def _drop_joiner(text: str) -> str:
    for joiner in _JOINERS:
        if text.startswith(joiner):
            return text[len(joiner) :]
    return text


def _listed_prefix(text: str, places: tuple[Place, ...]) -> tuple[Place, str] | None:
    found = [(len(k), p, k) for p in places for k in _place_keys(p) if text.startswith(k)]
    if not found:
        return None
    _, place, key = max(found, key=lambda item: item[0])
    return place, text[len(key) :]


def match_place(text: str, places: tuple[Place, ...]) -> Place | None:
    """The listed place that ``text`` names, or None: "湖北省武汉市江岸区" names 武汉.

    Listed names are read from the start of the text, one after another ("湖北武汉",
    "Wuhan, Hubei"); when several are found, the one listed last wins, so a ruleset lists a
    province before its cities. Matching from the start (not anywhere in the text) keeps "Ezhou"
    out of "Dezhou" (德州, Shandong).
    """
    rest, found = _normalise(text), []
    while hit := _listed_prefix(rest, places) or _listed_prefix(_drop_joiner(rest), places):
        place, rest = hit
        found.append(place)
    return max(found, key=places.index, default=None)


# --- matching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Clock:
    now: datetime
    tz: ZoneInfo

    def end_of_window(self, day: date, days: int) -> datetime:
        """The moment ``day`` stops being "within ``days`` days": 00:00 local on day + days + 1."""
        return datetime.combine(day + timedelta(days=days + 1), time(), tzinfo=self.tz)


@dataclass(frozen=True)
class _Hit:
    """Why a condition holds: until when (None: no end in sight) and what to name."""

    until: datetime | None = None
    place: Place | None = None
    district: Place | None = None
    override: Override | None = None


_ALWAYS = _Hit()
_NEVER_ENDS = datetime.max.replace(tzinfo=UTC)
_Check = Callable[[Conditions, Facts, _Clock, Ruleset], _Hit | None]


def _longest(hits: Iterable[_Hit]) -> _Hit | None:
    """Of several items satisfying one condition, the one that holds longest names the reason."""
    return max(hits, key=lambda hit: hit.until or _NEVER_ENDS, default=None)


def _check_contact(when: Conditions, facts: Facts, _: _Clock, __: Ruleset) -> _Hit | None:
    if when.declared_contact is None:
        return _ALWAYS
    return _ALWAYS if facts.contact == when.declared_contact else None


def _check_symptoms(when: Conditions, facts: Facts, _: _Clock, __: Ruleset) -> _Hit | None:
    if when.symptom_any is None:
        return _ALWAYS
    return _ALWAYS if facts.symptoms & when.symptom_any else None


def _check_temperature(when: Conditions, facts: Facts, _: _Clock, __: Ruleset) -> _Hit | None:
    if when.temperature_at_least is None:
        return _ALWAYS
    hot = facts.temperature is not None and facts.temperature >= when.temperature_at_least
    return _ALWAYS if hot else None


def _recent_trips(facts: Facts, clock: _Clock, rs: Ruleset, days: int) -> Iterator[_Hit]:
    for trip in facts.trips:
        until = clock.end_of_window(trip.returned_on, days)
        if clock.now < until:
            yield _Hit(
                until=until, place=match_place(trip.place, rs.high_risk) or _as_written(trip)
            )


def _as_written(trip: Trip) -> Place:
    # An unlisted place is named as the person wrote it, in both languages.
    name = trip.place.strip()
    return Place(name, name) if name else Place("外地", "elsewhere")


def _check_listed_return(when: Conditions, facts: Facts, clock: _Clock, rs: Ruleset) -> _Hit | None:
    days = when.returned_from_listed_within_days
    if days is None:
        return _ALWAYS
    trips = _recent_trips(facts, clock, rs, days)
    return _longest(hit for hit in trips if hit.place in rs.high_risk)


def _check_any_return(when: Conditions, facts: Facts, clock: _Clock, rs: Ruleset) -> _Hit | None:
    days = when.returned_within_days
    return _ALWAYS if days is None else _longest(_recent_trips(facts, clock, rs, days))


def _check_presence(when: Conditions, facts: Facts, clock: _Clock, _: Ruleset) -> _Hit | None:
    if when.presence_in_tier is None or when.within_days is None:
        return _ALWAYS
    hits = [
        _Hit(
            until=clock.end_of_window(p.last_seen, when.within_days),
            district=Place(p.district_name, p.district_name_en),
        )
        for p in facts.presences
        if p.tier == when.presence_in_tier
    ]
    return _longest(hit for hit in hits if hit.until and clock.now < hit.until)


def _record_end(record: AuthorityRecord, facts: Facts, clock: _Clock) -> datetime | None:
    """When a record stops counting: its quarantine's end, or a later recovery or clearance.

    A clearance on the record's own day ends it: "suspected, then tested negative" is one day.
    """
    ends = []
    if record.status == "quarantine" and record.until is not None:
        ends.append(clock.end_of_window(record.until, 0))
    ends += [
        datetime.combine(other.since, time(), tzinfo=clock.tz)
        for other in facts.authority
        if other.status in ENDING_STATUSES and other.since >= record.since
    ]
    return min(ends, default=None)


def _check_authority(when: Conditions, facts: Facts, clock: _Clock, _: Ruleset) -> _Hit | None:
    if when.authority_status_any is None:
        return _ALWAYS
    hits = [
        _Hit(until=_record_end(record, facts, clock))
        for record in facts.authority
        if record.status in when.authority_status_any
    ]
    return _longest(hit for hit in hits if hit.until is None or clock.now < hit.until)


def _check_override(when: Conditions, facts: Facts, clock: _Clock, _: Ruleset) -> _Hit | None:
    if not when.override:
        return _ALWAYS
    override = facts.override
    if override is None or clock.now >= override.until:
        return None
    return _Hit(until=override.until, override=override)


_CHECKS: tuple[_Check, ...] = (
    _check_contact,
    _check_symptoms,
    _check_temperature,
    _check_listed_return,
    _check_any_return,
    _check_presence,
    _check_authority,
    _check_override,
)


def _match(rule: Rule, facts: Facts, clock: _Clock, ruleset: Ruleset) -> _Hit | None:
    combined = _ALWAYS
    for check in _CHECKS:
        hit = check(rule.when, facts, clock, ruleset)
        if hit is None:
            return None
        combined = _combine(combined, hit)
    return combined


def _combine(a: _Hit, b: _Hit) -> _Hit:
    ends = [end for end in (a.until, b.until) if end is not None]
    return _Hit(
        until=min(ends, default=None),
        place=a.place or b.place,
        district=a.district or b.district,
        override=a.override or b.override,
    )


# --- deciding ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Matched:
    rule: Rule
    hit: _Hit

    @property
    def color(self) -> Color:
        if self.hit.override is not None:
            return self.hit.override.color
        assert self.rule.color is not None  # guaranteed by load_ruleset
        return self.rule.color


def decide(facts: Facts, now: datetime, ruleset: Ruleset) -> Decision:
    """The colour for ``facts`` at ``now``, its reasons, and until when it holds unchanged."""
    if now.tzinfo is None:
        raise ValueError("decide() needs a timezone-aware now")
    clock = _Clock(now, ruleset.tz)
    matched = [
        _Matched(rule, hit)
        for rule in ruleset.rules
        if (hit := _match(rule, facts, clock, ruleset)) is not None
    ]
    if not matched:
        return Decision(Color.GREEN, (ruleset.fallback,), None, ruleset.version)
    color = _winner(matched)
    shown = _shown(matched, color)
    ends = [m.hit.until for m in shown if m.hit.until is not None]
    reasons = tuple(_reason(m, clock) for m in shown)
    return Decision(color, reasons, min(ends, default=None), ruleset.version)


def _winner(matched: list[_Matched]) -> Color:
    evidence = Color.worst(Color.GREEN, *(m.color for m in matched if m.hit.override is None))
    overrides = [m.color for m in matched if m.hit.override is not None]
    if not overrides or evidence is Color.RED:
        return evidence  # an override cannot lower red (see the module's docstring)
    return overrides[0]


def _shown(matched: list[_Matched], winner: Color) -> list[_Matched]:
    """Reasons of the winning colour first, then milder ones except green.

    Each reason tells the person what to do, so none may contradict the colour: green reasons
    say "you may go out" and never sit on an orange or red code, and the reasons an override
    set aside ("observe at home") are not shown beside it.
    """
    milder = [m for m in matched if Color.GREEN.severity < m.color.severity < winner.severity]
    return [m for m in matched if m.color is winner] + milder


def _reason(m: _Matched, clock: _Clock) -> Reason:
    until = _format_until(m.hit.until, clock.tz)
    fills = {
        lang: {
            "place": getattr(m.hit.place, lang, ""),
            "district": getattr(m.hit.district, lang, ""),
            "until": until[lang],
            "reason": getattr(m.hit.override, f"reason_{lang}", ""),
        }
        for lang in ("zh", "en")
    }
    return Reason(
        m.rule.id, m.rule.reason_zh.format(**fills["zh"]), m.rule.reason_en.format(**fills["en"])
    )


def _format_until(until: datetime | None, tz: ZoneInfo) -> dict[str, str]:
    """The last day something applies ("2020-03-15"), or the exact minute if it ends mid-day."""
    if until is None:
        return {"zh": "另行通知", "en": "further notice"}
    local = until.astimezone(tz)
    if local.time() != time():
        minute = local.strftime("%Y-%m-%d %H:%M")
        return {"zh": minute, "en": minute}
    last_day = (local.date() - timedelta(days=1)).isoformat()
    # "至2020-03-15" reads as inclusive in Chinese; "until 2020-03-15" in English does not.
    return {"zh": last_day, "en": f"the end of {last_day}"}


# --- loading -----------------------------------------------------------------------------------

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


def _get(table: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in table:
        raise RulesetError(f"{where}: {key} is missing")
    if not isinstance(table[key], kind):
        raise RulesetError(f"{where}: {key} must be a {kind.__name__}")
    return table[key]


def _tables(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise RulesetError(f"{key} must be written as [[{key}]] tables")
    return items


def _no_unknown(table: dict[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise RulesetError(f"{where}: unknown key(s) {', '.join(unknown)}")


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


def _rule_color(value: object, when: Conditions, where: str) -> Color | None:
    if when.override:
        if value is not None:
            raise RulesetError(f"{where}: an override rule takes its colour from the override")
        return None
    if value is None:
        raise RulesetError(f"{where}: color is missing")
    return _convert(Color, value, f"{where}: color")


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


def _cases_cover_rules(ruleset: Ruleset, cases: tuple[Case, ...]) -> None:
    ids = {rule.id for rule in ruleset.rules} | {ruleset.fallback.rule_id}
    strangers = sorted({case.rule for case in cases} - ids)
    if strangers:
        raise RulesetError(f"cases name unknown rules: {', '.join(strangers)}")
    untested = sorted(ids - {case.rule for case in cases})
    if untested:
        raise RulesetError(f"every rule needs a case; none for: {', '.join(untested)}")


# --- TOML tables to typed records --------------------------------------------------------------


def _record(cls: type, table: object, where: str) -> Any:
    if not isinstance(table, dict):
        raise RulesetError(f"{where}: must be a table")
    hints = get_type_hints(cls)
    _no_unknown(table, {f.name for f in fields(cls)}, where)
    values = {key: _convert(hints[key], value, f"{where}.{key}") for key, value in table.items()}
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise RulesetError(f"{where}: {error}") from error


def _convert(hint: Any, value: object, where: str) -> Any:
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, UnionType):
        return _convert(next(a for a in args if a is not NoneType), value, where)
    if origin in (tuple, frozenset):
        if not isinstance(value, list):
            raise RulesetError(f"{where}: must be a list")
        return origin(_convert(args[0], item, f"{where}[{i}]") for i, item in enumerate(value))
    if is_dataclass(hint):
        return _record(hint, value, where)
    return _scalar(hint, value, where)


def _scalar(hint: Any, value: object, where: str) -> Any:
    if hint is Color:
        if not isinstance(value, str) or value not in {color.value for color in Color}:
            raise RulesetError(f"{where}: unknown colour {value!r}")
        return Color(value)
    if hint is datetime:
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise RulesetError(f"{where}: must be a date-time with an offset (…T09:00:00+08:00)")
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if type(value) is not hint:  # exact: a bool is no int, a datetime is no date
        raise RulesetError(f"{where}: must be {hint.__name__}, not {value!r}")
    return value


__all__ = [
    "AuthorityRecord",
    "Case",
    "Conditions",
    "Decision",
    "Facts",
    "Override",
    "Place",
    "Presence",
    "Reason",
    "Rule",
    "Ruleset",
    "RulesetError",
    "Trip",
    "case_failures",
    "decide",
    "load_ruleset",
    "match_place",
]
