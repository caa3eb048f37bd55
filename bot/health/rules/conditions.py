"""The condition checks: whether each condition of a rule holds for the facts, and until when.

Time: "within N days" counts whole local days in the ruleset's time zone (Asia/Shanghai). A
return on day D is within 14 days while ``D >= today - 14``: on D + 14 it still counts, and it
stops at 00:00 local time on D + 15, the ``valid_until`` it contributes. A quarantine's ``until``
is its last day, inclusive, or the instant it ends. Declared symptoms, temperature and contact
hold until the person declares again (FAQ 9): they carry no end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.health.rules.facts import ENDING_STATUSES, AuthorityRecord, Facts, Override, Trip
from bot.health.rules.places import Place, match_place
from bot.health.rules.ruleset import Conditions, Ruleset


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
        ends.append(_ends(record.until, clock))
    starts = _starts(record.since, clock)
    ends += [
        _starts(other.since, clock)
        for other in facts.authority
        if other.status in ENDING_STATUSES and _starts(other.since, clock) >= starts
    ]
    return min(ends, default=None)


def _starts(moment: date | datetime, clock: _Clock) -> datetime:
    """A record's ``since``: a day starts at local midnight, an instant is itself."""
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time(), tzinfo=clock.tz)


def _ends(moment: date | datetime, clock: _Clock) -> datetime:
    """A quarantine's ``until``: a day is its last (it ends at the next local midnight), an
    instant is the end itself."""
    if isinstance(moment, datetime):
        return moment
    return clock.end_of_window(moment, 0)


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
