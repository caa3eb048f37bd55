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
from datetime import date, datetime, timedelta
from typing import Any

from bot.health.colors import Color
from bot.health.rules import AuthorityRecord, Facts, Override, Presence, Trip
from bot.services import sql
from bot.services.codes.decisions import PRESENCE_DAYS

# (symptoms as stored, contact, trip, presences, authority records, override): the latest
# declaration's answers (None, False, None without one), ``(from_city, return_date)`` of the trip
# it declared or None, ``(adcode, last day seen)`` of each district present in (home first,
# then the most recent), ``(status, since, until)`` of each authority record, ``(color, until,
# zh, en)`` of the newest correction in force or None. When the person declared is left out:
# no condition reads it.
FactKey = tuple[Any, bool, Any, tuple, tuple, Any]
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


async def read_groups(person_ids: list[int], now: datetime, tz) -> Groups:
    """These people (their codes locked already) grouped by colour now and facts."""
    if not person_ids:
        return {}
    ids = sql.ids(person_ids)
    since = sql.moment_param(now - timedelta(days=PRESENCE_DAYS + 1))
    today = now.astimezone(tz).date()
    extras = [row[0] for row in await sql.fetch(_extras(), ids, ids, _at(now), ids, since)]
    groups: Groups = defaultdict(list)
    for row in await sql.fetch(_plain_groups(), ids, sql.ids(extras)):
        color, home, *answers = row[:7]
        presences = ((home, today),) if home is not None else ()
        key = (*_answers(*answers), presences, (), None)
        groups[(color, key)].extend(sql.id_list(row[7]))
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


def _answers(symptoms: Any, contact: Any, left_city: Any, from_city: Any, return_date: Any):
    if contact is None:  # no declaration at all
        return (None, False, None)
    trip = (from_city, return_date) if left_city and from_city and return_date else None
    return (symptoms, bool(contact), trip)


async def _add_extras(groups: Groups, person_ids: list[int], now: datetime, tz) -> None:
    ids = sql.ids(person_ids)
    since = now - timedelta(days=PRESENCE_DAYS + 1)
    today = now.astimezone(tz).date()
    statement = _EXTRA_DECLARATIONS.format(declared=_DECLARED.format(ids=sql.ids_table("$1")))
    people: dict[int, dict] = {}
    for row in await sql.fetch(statement, ids, sql.moment_param(since)):
        person_id, color, home, district, declared_at = row[:5]
        person = people.setdefault(
            person_id,
            {"color": color, "answers": (None, False, None), "seen": _home(home, today)},
        )
        if declared_at is None:
            continue  # no declaration
        if row[10] == 1:
            person["answers"] = _answers(*row[5:10])
        moment = sql.moment(declared_at)
        if moment >= since:
            person["seen"].setdefault(district, moment.astimezone(tz).date())
    authority = await _authority(ids)
    overrides = await _overrides(ids, now)
    for person_id, person in people.items():
        key = (
            *person["answers"],
            tuple(person["seen"].items()),
            authority.get(person_id, ()),
            overrides.get(person_id),
        )
        groups[(person["color"], key)].append(person_id)


def _home(home: int | None, today: date) -> dict[int, date]:
    """Where the person lives counts as present today; declarations add the other districts."""
    return {} if home is None else {home: today}


async def _authority(ids: Any) -> dict[int, tuple]:
    records: dict[int, list[tuple]] = defaultdict(list)
    for person_id, status, since, until in await sql.fetch(
        _AUTHORITY.format(ids=sql.ids_table("$1")), ids
    ):
        records[person_id].append((status, since, until))
    return {person_id: tuple(rows) for person_id, rows in records.items()}


async def _overrides(ids: Any, now: datetime) -> dict[int, tuple]:
    found: dict[int, tuple] = {}
    statement = _OVERRIDES.format(ids=sql.ids_table("$1"))
    for person_id, *override in await sql.fetch(statement, ids, _at(now)):
        found[person_id] = tuple(override)  # the newest correction in force wins
    return found


def facts_of(key: FactKey, districts: dict[int, Any]) -> Facts:
    """The rules' ``Facts`` for a group's key; ``districts`` by adcode (name and tier now)."""
    symptoms, contact, trip, presences, authority, override = key
    return Facts(
        symptoms=frozenset(sql.json_value(symptoms)) if symptoms is not None else frozenset(),
        contact=contact,
        trips=(Trip(place=trip[0], returned_on=sql.day(trip[1])),) if trip else (),
        presences=tuple(
            Presence(a, districts[a].name, districts[a].name_en, districts[a].tier, day)
            for a, day in presences
            if a in districts
        ),
        authority=tuple(
            AuthorityRecord(status, sql.moment(since), sql.moment(until))
            for status, since, until in authority
        ),
        override=_override(override),
    )


def _override(row: tuple | None) -> Override | None:
    if row is None:
        return None
    color, until, reason_zh, reason_en = row
    return Override(Color(color), sql.moment(until), reason_zh, reason_en)
