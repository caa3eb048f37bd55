"""The facts of a batch of people, read set-based and grouped: people whose facts (and colour
before) are the same get the same decision, so each distinct set of facts is decided once.

Most residents of a district share theirs: the answers of their latest declaration, the
district they live in, and nothing else: no record of the health authorities, no official's
correction in force, no recent declaration from another district. The database groups those
"plain" people itself (one row per group, its person ids in one array), so a tier change over
a million of them moves no per-person row through Python. The few others (``_EXTRAS``) are read
person by person, as ``decisions.facts_for`` does, and join the groups their facts match.

A group's key (``FactKey``) holds every fact a condition can read, as the rows give it;
``facts_of`` turns it into the ``Facts`` the rules take. The person-by-person path
(``decisions.facts_for``, through the ORM) is the reference: tests hold the two to the same
colours, history and notices.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, NamedTuple

from bot.health.colors import Color
from bot.health.rules import AuthorityRecord, Facts, Override, Presence, Trip
from bot.services import sql
from bot.services.codes.decisions import PRESENCE_DAYS
from models.district import District

# Values are kept as the driver gives them (asyncpg: datetime, date, jsonb text; sqlite3: text),
# so the database's own equality groups them; ``facts_of`` converts them once per group.
StoredMoment = datetime | str
StoredDay = date | str


class TripKey(NamedTuple):
    """``(from_city, return_date)`` of the trip the latest declaration declared."""

    place: str
    returned_on: StoredDay


class AuthorityKey(NamedTuple):
    status: str
    since: StoredMoment
    until: StoredMoment | None


class OverrideKey(NamedTuple):
    """The newest official's correction in force."""

    color: str
    until: StoredMoment
    reason_zh: str
    reason_en: str


class Answers(NamedTuple):
    """The latest declaration's answers: ``(None, False, None)`` without one."""

    symptoms: str | None  # the stored JSON list
    contact: bool
    trip: TripKey | None


NO_ANSWERS = Answers(None, False, None)


class FactKey(NamedTuple):
    """Every fact a condition can read, as the rows give it. ``presences`` holds ``(adcode,
    last day seen)`` of each district present in (home first, then the most recent). When the
    person declared is left out: no condition reads it."""

    symptoms: str | None
    contact: bool
    trip: TripKey | None
    presences: tuple[tuple[int, date], ...]
    authority: tuple[AuthorityKey, ...]
    override: OverrideKey | None

    @classmethod
    def of(
        cls,
        answers: Answers,
        presences: tuple[tuple[int, date], ...],
        authority: tuple[AuthorityKey, ...] = (),
        override: OverrideKey | None = None,
    ) -> FactKey:
        return cls(answers.symptoms, answers.contact, answers.trip, presences, authority, override)


Groups = dict[tuple[str, FactKey], list[int]]  # (colour before, facts) -> person ids

_LOCK = "SELECT c.person_id FROM {ids} JOIN health_code c ON c.person_id = t.id ORDER BY c.id"

# People of the batch with a fact beyond their latest declaration and their home
_EXTRAS = """
SELECT r.person_id FROM {ids1} JOIN authority_record r ON r.person_id = t.id
UNION
SELECT o.person_id FROM {ids2} JOIN code_override o ON o.person_id = t.id WHERE o.until > $3
UNION
SELECT d.person_id FROM {ids4}
JOIN person p ON p.id = t.id
JOIN declaration d ON d.person_id = t.id
WHERE d.declared_at >= $5 AND (p.district_id IS NULL OR d.district_id <> p.district_id)
"""

# Each person of the batch with their code, home and declarations, newest first (``nth``)
_DECLARED = """
SELECT t.id AS person_id, c.color, p.district_id AS home, d.district_id, d.declared_at,
       d.symptoms, d.contact, d.left_city, d.from_city, d.return_date, d.id AS declaration_id,
       ROW_NUMBER() OVER (PARTITION BY t.id ORDER BY d.declared_at DESC, d.id DESC) AS nth,
       ROW_NUMBER() OVER (
           PARTITION BY t.id, d.district_id ORDER BY d.declared_at DESC, d.id DESC
       ) AS nth_here
FROM {ids}
JOIN health_code c ON c.person_id = t.id
JOIN person p ON p.id = t.id
LEFT JOIN declaration d ON d.person_id = t.id
"""

_PLAIN_GROUPS = """
SELECT color, home, symptoms, contact, left_city, from_city, return_date, {id_array}
FROM ({declared} WHERE t.id {not_extras}) AS x
WHERE nth = 1
GROUP BY color, home, symptoms, contact, left_city, from_city, return_date
"""

# The latest declaration overall, and each district's latest one within the window (presences)
_EXTRA_DECLARATIONS = """
SELECT person_id, color, home, district_id, declared_at, symptoms, contact, left_city,
       from_city, return_date, nth
FROM ({declared}) AS x
WHERE nth = 1 OR (nth_here = 1 AND declared_at >= $2)
ORDER BY person_id, declared_at DESC, declaration_id DESC
"""

_AUTHORITY = """
SELECT r.person_id, r.status, r.since, r.until
FROM {ids} JOIN authority_record r ON r.person_id = t.id
ORDER BY r.since, r.id
"""

_OVERRIDES = """
SELECT o.person_id, o.color, o.until, o.reason_zh, o.reason_en
FROM {ids} JOIN code_override o ON o.person_id = t.id
WHERE o.until > $2
ORDER BY o.created_at, o.id
"""


async def lock_codes(person_ids: list[int], skip_locked: bool = False) -> list[int]:
    """Lock the codes of these people (PostgreSQL; SQLite has one writer at a time); those
    who have one, and with ``skip_locked`` not held by another transaction, are returned."""
    statement = _LOCK.format(ids=sql.ids_table("$1"))
    if sql.is_postgres():
        statement += " FOR UPDATE OF c SKIP LOCKED" if skip_locked else " FOR UPDATE OF c"
    return [row[0] for row in await sql.fetch(statement, sql.ids(person_ids))]


async def read_groups(person_ids: list[int], now: datetime, tz: tzinfo) -> Groups:
    """These people (their codes locked already) grouped by colour now and facts."""
    if not person_ids:
        return {}
    ids = sql.ids(person_ids)
    since = sql.moment_param(now - timedelta(days=PRESENCE_DAYS + 1))
    today = now.astimezone(tz).date()
    extras = [row[0] for row in await sql.fetch(_extras(), ids, ids, _at(now), ids, since)]
    groups: Groups = defaultdict(list)
    for row in await sql.fetch(_plain_groups(), ids, sql.ids(extras)):
        color, home = row[0], row[1]
        presences = ((home, today),) if home is not None else ()
        groups[(color, FactKey.of(_answers(*row[2:7]), presences))].extend(sql.id_list(row[7]))
    if extras:
        await _add_extras(groups, extras, now, tz)
    return dict(groups)


def _extras() -> str:
    return _EXTRAS.format(
        ids1=sql.ids_table("$1"), ids2=sql.ids_table("$2"), ids4=sql.ids_table("$4")
    )


def _plain_groups() -> str:
    return _PLAIN_GROUPS.format(
        id_array=sql.id_array("person_id"),
        declared=_DECLARED.format(ids=sql.ids_table("$1")),
        not_extras=sql.not_in_ids("$2"),
    )


def _at(moment: datetime) -> Any:
    return sql.moment_param(moment)


def _answers(
    symptoms: str | None,
    contact: object,
    left_city: object,
    from_city: str | None,
    return_date: StoredDay | None,
) -> Answers:
    if contact is None:  # no declaration at all
        return NO_ANSWERS
    trip = TripKey(from_city, return_date) if left_city and from_city and return_date else None
    return Answers(symptoms, bool(contact), trip)


class _Extra:
    """What the rows of one person with extra facts say, gathered row by row."""

    def __init__(self, color: str, home: int | None, today: date) -> None:
        self.color = color
        self.answers = NO_ANSWERS
        self.seen = _home(home, today)


async def _add_extras(groups: Groups, person_ids: list[int], now: datetime, tz: tzinfo) -> None:
    ids = sql.ids(person_ids)
    since = now - timedelta(days=PRESENCE_DAYS + 1)
    today = now.astimezone(tz).date()
    statement = _EXTRA_DECLARATIONS.format(declared=_DECLARED.format(ids=sql.ids_table("$1")))
    people: dict[int, _Extra] = {}
    for row in await sql.fetch(statement, ids, sql.moment_param(since)):
        person_id, color, home, district, declared_at = row[:5]
        person = people.get(person_id)
        if person is None:
            person = people[person_id] = _Extra(color, home, today)
        if declared_at is None:
            continue  # no declaration
        if row[10] == 1:
            person.answers = _answers(*row[5:10])
        moment = sql.moment(declared_at)
        if moment >= since:
            person.seen.setdefault(district, moment.astimezone(tz).date())
    authority = await _authority(ids)
    overrides = await _overrides(ids, now)
    for person_id, person in people.items():
        key = FactKey.of(
            person.answers,
            tuple(person.seen.items()),
            authority.get(person_id, ()),
            overrides.get(person_id),
        )
        groups[(person.color, key)].append(person_id)


def _home(home: int | None, today: date) -> dict[int, date]:
    """Where the person lives counts as present today; declarations add the other districts."""
    return {} if home is None else {home: today}


async def _authority(ids: Any) -> dict[int, tuple[AuthorityKey, ...]]:
    records: dict[int, list[AuthorityKey]] = defaultdict(list)
    for person_id, status, since, until in await sql.fetch(
        _AUTHORITY.format(ids=sql.ids_table("$1")), ids
    ):
        records[person_id].append(AuthorityKey(status, since, until))
    return {person_id: tuple(rows) for person_id, rows in records.items()}


async def _overrides(ids: Any, now: datetime) -> dict[int, OverrideKey]:
    found: dict[int, OverrideKey] = {}
    statement = _OVERRIDES.format(ids=sql.ids_table("$1"))
    for person_id, color, until, reason_zh, reason_en in await sql.fetch(statement, ids, _at(now)):
        found[person_id] = OverrideKey(color, until, reason_zh, reason_en)  # the newest wins
    return found


def facts_of(key: FactKey, districts: dict[int, District]) -> Facts:
    """The rules' ``Facts`` for a group's key; ``districts`` by adcode (name and tier now)."""
    trip, override = key.trip, key.override
    return Facts(
        symptoms=frozenset(sql.json_value(key.symptoms))
        if key.symptoms is not None
        else frozenset(),
        contact=key.contact,
        trips=(Trip(place=trip.place, returned_on=sql.day(trip.returned_on)),) if trip else (),
        presences=tuple(
            Presence(a, districts[a].name, districts[a].name_en, districts[a].tier, day)
            for a, day in key.presences
            if a in districts
        ),
        authority=tuple(
            AuthorityRecord(record.status, sql.moment(record.since), sql.moment(record.until))
            for record in key.authority
        ),
        override=_override(override) if override is not None else None,
    )


def _override(row: OverrideKey) -> Override:
    return Override(Color(row.color), sql.moment(row.until), row.reason_zh, row.reason_en)
