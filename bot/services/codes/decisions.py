"""Turning what we know of a person into their live code, and recording every change.

This is the person-by-person path (a declaration, an appeal's answer, a registration). Many
people at once (a tier change, a feed, expired codes) go through ``bot.services.redecide.batches``,
which reads the same facts set-based and decides each group of equal facts once; tests hold
the two to the same colours, history and notices.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import cast

from bot.health.colors import Color
from bot.health.rules import (
    AuthorityRecord,
    Decision,
    Facts,
    Override,
    Presence,
    Reason,
    Trip,
    decide,
)
from bot.services.runtime import Runtime
from models.appeal import CodeOverride
from models.authority import AuthorityRecord as AuthorityRow
from models.code import CodeChange, HealthCode
from models.declaration import Declaration
from models.district import District
from models.person import Person

PRESENCE_DAYS = 14


@dataclass(frozen=True)
class Outcome:
    code: HealthCode
    old_color: Color | None

    @property
    def changed(self) -> bool:
        return self.old_color != Color(self.code.color)


async def redecide(rt: Runtime, person: Person, cause: str) -> Outcome:
    """Decide one person's colour now, store it and record the change (in the caller's unit
    of work). A declaration always records a row (it replaces the old decision); other causes
    record one only when the colour moved."""
    now = rt.now()
    facts = (await facts_for(rt, [person], now))[person.id]
    decision = decide(facts, now, rt.ruleset)
    code = await HealthCode.get_or_none(person_id=person.id)
    old = Color(code.color) if code else None
    code = await _store(code, person, decision, now)
    if cause == "declaration" or old != decision.color:
        await _record_change(person.id, old, decision, cause, now)
    return Outcome(code, old)


async def facts_for(rt: Runtime, people: list[Person], now: datetime) -> dict[int, Facts]:
    ids = [p.id for p in people]
    latest, recent = await _declarations(ids, now)
    tiers = {d.adcode: d for d in await District.all()}
    authority = await _authority(ids)
    overrides = await _overrides(ids, now)
    today = now.astimezone(rt.ruleset.tz).date()
    facts = {}
    for person in people:
        declaration = latest.get(person.id)
        presences = _presences(person, recent.get(person.id, []), tiers, today, rt)
        facts[person.id] = Facts(
            symptoms=frozenset(declaration.symptoms) if declaration else frozenset(),
            contact=declaration.contact if declaration else False,
            declared_at=declaration.declared_at if declaration else None,
            trips=_trips(declaration) if declaration else (),
            presences=presences,
            authority=tuple(authority.get(person.id, ())),
            override=overrides.get(person.id),
        )
    return facts


async def _declarations(
    ids: list[int], now: datetime
) -> tuple[dict[int, Declaration], dict[int, list[Declaration]]]:
    """The latest declaration of each person, and those of the last 14 days (presences)."""
    since = now - timedelta(days=PRESENCE_DAYS + 1)
    rows = await Declaration.filter(person_id__in=ids).order_by("person_id", "-declared_at", "-id")
    latest: dict[int, Declaration] = {}
    recent: dict[int, list[Declaration]] = defaultdict(list)
    for row in rows:
        latest.setdefault(row.person_id, row)
        if row.declared_at >= since:
            recent[row.person_id].append(row)
    return latest, recent


def _presences(
    person: Person,
    recent: list[Declaration],
    districts: dict[int, District],
    today: date,
    rt: Runtime,
) -> tuple[Presence, ...]:
    """Where the person lives now, and every district they declared within 14 days."""
    seen: dict[int, date] = {}
    if person.district_id is not None:
        seen[person.district_id] = today
    for declaration in recent:
        day = declaration.declared_at.astimezone(rt.ruleset.tz).date()
        seen.setdefault(declaration.district_id, day)
    return tuple(
        Presence(a, districts[a].name, districts[a].name_en, districts[a].tier, day)
        for a, day in seen.items()
        if a in districts
    )


async def _authority(ids: list[int]) -> dict[int, list[AuthorityRecord]]:
    records: dict[int, list[AuthorityRecord]] = defaultdict(list)
    for row in await AuthorityRow.filter(person_id__in=ids).order_by("since", "id"):
        records[cast(int, row.person_id)].append(AuthorityRecord(row.status, row.since, row.until))
    return records


async def _overrides(ids: list[int], now: datetime) -> dict[int, Override]:
    found: dict[int, Override] = {}
    rows = await CodeOverride.filter(person_id__in=ids, until__gt=now).order_by("created_at", "id")
    for row in rows:  # the newest correction in force wins
        found[row.person_id] = Override(Color(row.color), row.until, row.reason_zh, row.reason_en)
    return found


def _trips(declaration: Declaration) -> tuple[Trip, ...]:
    if not (declaration.left_city and declaration.from_city and declaration.return_date):
        return ()
    return (Trip(place=declaration.from_city, returned_on=declaration.return_date),)


def _apply(code: HealthCode, decision: Decision, now: datetime) -> None:
    code.color = decision.color.value
    code.reasons = reasons_to_json(decision.reasons)
    code.rules_version = decision.rules_version
    # In UTC: Tortoise 1.1 converts aware datetimes to UTC when it inserts a row on SQLite, but
    # not when it updates one; a local "+08:00" string would then compare wrongly with the
    # expiry job's UTC "now" (SQLite compares the text).
    until = decision.valid_until
    code.valid_until = until.astimezone(UTC) if until is not None else None
    code.decided_at = now


async def _store(
    code: HealthCode | None, person: Person, decision: Decision, now: datetime
) -> HealthCode:
    if code is None:
        # The code id is what tokens carry: random, and never derived from the person.
        code = HealthCode(person_id=person.id, code_id=os.urandom(16).hex())
    _apply(code, decision, now)
    await code.save()
    return code


async def _record_change(
    person_id: int, old: Color | None, decision: Decision, cause: str, now: datetime
) -> None:
    await CodeChange.create(
        person_id=person_id,
        old_color=old.value if old else None,
        new_color=decision.color.value,
        reasons=reasons_to_json(decision.reasons),
        cause=cause,
        rules_version=decision.rules_version,
        created_at=now,
    )


def reasons_to_json(reasons: tuple[Reason, ...]) -> list[dict[str, str]]:
    return [{"rule_id": r.rule_id, "zh": r.zh, "en": r.en} for r in reasons]


def reasons_in(reasons: list[dict[str, str]], lang: str) -> tuple[str, ...]:
    return tuple(r.get(lang) or r["zh"] for r in reasons)
