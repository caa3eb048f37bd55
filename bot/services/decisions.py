"""Turning what we know of a person into their live code, and recording every change."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime

from bot.health.colors import Color
from bot.health.rules import Decision, Facts, Presence, Reason, Trip, decide
from bot.services.runtime import Runtime
from models.code import CodeChange, HealthCode
from models.declaration import Declaration
from models.district import District
from models.person import Person


@dataclass(frozen=True)
class Outcome:
    code: HealthCode
    old_color: Color | None

    @property
    def changed(self) -> bool:
        return self.old_color != Color(self.code.color)


async def redecide(rt: Runtime, person: Person, cause: str) -> Outcome:
    """Decide the person's colour now, store it and record the change (in the caller's unit of
    work). A declaration always records a row (it replaces the old decision); other causes
    record one only when the colour moved."""
    now = rt.now()
    decision = decide(await facts_of(rt, person, now), now, rt.ruleset)
    code = await HealthCode.get_or_none(person_id=person.id)
    old = Color(code.color) if code else None
    code = await _store(code, person, decision, now)
    if cause == "declaration" or old != decision.color:
        await CodeChange.create(
            person_id=person.id,
            old_color=old.value if old else None,
            new_color=decision.color.value,
            reasons=reasons_to_json(decision.reasons),
            cause=cause,
            rules_version=decision.rules_version,
            created_at=now,
        )
    return Outcome(code, old)


async def facts_of(rt: Runtime, person: Person, now: datetime) -> Facts:
    declaration = (
        await Declaration.filter(person_id=person.id).order_by("-declared_at", "-id").first()
    )
    presences = await _presences(rt, person, now)
    if declaration is None:
        return Facts(presences=presences)
    return Facts(
        symptoms=frozenset(declaration.symptoms),
        contact=declaration.contact,
        declared_at=declaration.declared_at,
        trips=_trips(declaration),
        presences=presences,
    )


def _trips(declaration: Declaration) -> tuple[Trip, ...]:
    if not (declaration.left_city and declaration.from_city and declaration.return_date):
        return ()
    return (Trip(place=declaration.from_city, returned_on=declaration.return_date),)


async def _presences(rt: Runtime, person: Person, now: datetime) -> tuple[Presence, ...]:
    if person.district_id is None:
        return ()
    district = await District.get(adcode=person.district_id)
    today = now.astimezone(rt.ruleset.tz).date()
    return (_presence(district, today),)


def _presence(district: District, seen: date) -> Presence:
    return Presence(district.adcode, district.name, district.name_en, district.tier, seen)


async def _store(
    code: HealthCode | None, person: Person, decision: Decision, now: datetime
) -> HealthCode:
    fields = {
        "color": decision.color.value,
        "reasons": reasons_to_json(decision.reasons),
        "rules_version": decision.rules_version,
        "valid_until": decision.valid_until,
        "decided_at": now,
    }
    if code is None:
        # The code id is what tokens carry: random, and never derived from the person.
        return await HealthCode.create(person_id=person.id, code_id=os.urandom(16).hex(), **fields)
    await HealthCode.filter(id=code.id).update(**fields)
    await code.refresh_from_db()
    return code


def reasons_to_json(reasons: tuple[Reason, ...]) -> list[dict[str, str]]:
    return [{"rule_id": r.rule_id, "zh": r.zh, "en": r.en} for r in reasons]


def reasons_in(reasons: list[dict[str, str]], lang: str) -> tuple[str, ...]:
    return tuple(r.get(lang) or r["zh"] for r in reasons)
