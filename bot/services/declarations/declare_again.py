"""Declaring again (FAQ 9, the daily reminder): the identity and the address are those on
record, and only the health answers are new, or the same as before when nothing changed.

It files through the same use cases as any declaration (``declare_for_self`` for the
account's own person, ``declare_for_member`` for a family member it acts for): one unit of
work with the outbox row, the rules decide the colour, and the mini-program's
``Idempotency-Key`` names the request as it does for a full one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.health.identity import mask_phone
from bot.services.codes.decisions import PRESENCE_DAYS
from bot.services.declarations.declare import DeclarationInput, Declared, declare_for_self
from bot.services.errors import ServiceError
from bot.services.family.members import declare_for_member, reachable_person
from bot.services.request_keys import KeyedRequest
from bot.services.residents.people import identity_of, masked_document, masked_name, phone_of
from bot.services.runtime import Runtime
from models.declaration import Declaration
from models.person import Account, Guardianship, Person


@dataclass(frozen=True)
class Trip:
    place: str
    returned_on: date


@dataclass(frozen=True)
class Health:
    """The answers a declaration asks anew each time (steps 6 to 8 of the script)."""

    trip: Trip | None
    symptoms: frozenset[str]
    contact: bool


@dataclass(frozen=True)
class Kept:
    """What an earlier declaration leaves to declare again with, masked for showing."""

    person_id: str
    relation: str | None  # None: the account's own person
    name_masked: str
    doc_type: str
    document_masked: str
    phone_masked: str | None
    district: int  # adcode
    trip: Trip | None  # the last declaration's return, while it is within the 14 days


def nothing_changed(trip: Trip | None) -> Health:
    """今日无发热咳嗽、无接触史. A return still within the 14 days stays declared: it is as
    true today as it was then, and the rules decide on it."""
    return Health(trip, frozenset(), False)


async def kept_for(rt: Runtime, account_id: int, person_id: str | None) -> Kept | None:
    """The kept identity and address of the account's own person (``person_id`` None) or of
    a family member it acts for; None when that person has never declared."""
    found = await _person_and_last(rt, account_id, person_id)
    if found is None:
        return None
    person, relation, last = found
    phone = phone_of(rt, person)
    return Kept(
        person_id=person.public_id,
        relation=relation,
        name_masked=masked_name(rt, person),
        doc_type=person.doc_type,
        document_masked=masked_document(rt, person),
        phone_masked=mask_phone(phone) if phone else None,
        district=person.district_id or last.district_id,
        trip=_recent_trip(rt, last),
    )


async def declare_again(
    rt: Runtime,
    account_id: int,
    person_id: str | None,
    health: Health | None = None,
    request: KeyedRequest | None = None,
) -> Declared:
    """File a declaration with the identity and address on record and ``health`` (None:
    nothing changed, ``Kept.unchanged``). ``ServiceError("declare.no_earlier")`` for a person
    who never declared: there is nothing to keep."""
    found = await _person_and_last(rt, account_id, person_id)
    if found is None:
        raise ServiceError("declare.no_earlier")
    person, relation, last = found
    health = health or nothing_changed(_recent_trip(rt, last))
    answers = DeclarationInput(
        who=identity_of(rt, person),
        district_adcode=person.district_id or last.district_id,
        left_city=health.trip is not None,
        from_city=health.trip.place if health.trip else None,
        return_date=health.trip.returned_on if health.trip else None,
        symptoms=health.symptoms,
        contact=health.contact,
        request=request,
    )
    if relation is None:
        return await declare_for_self(rt, account_id, answers)
    return await declare_for_member(rt, account_id, person.public_id, answers)


async def _person_and_last(
    rt: Runtime, account_id: int, person_id: str | None
) -> tuple[Person, str | None, Declaration] | None:
    account = await Account.get(id=account_id)
    if account.person_id is None and person_id is None:
        return None  # no own record: never declared
    person = await reachable_person(account_id, person_id)
    relation = None
    if person.id != account.person_id:
        link = await Guardianship.get(actor_id=account.person_id, member_id=person.id)
        relation = link.relation
    last = await Declaration.filter(person_id=person.id).order_by("-declared_at", "-id").first()
    return (person, relation, last) if last is not None else None


def _recent_trip(rt: Runtime, last: Declaration) -> Trip | None:
    if not (last.left_city and last.from_city and last.return_date):
        return None
    today = rt.now().astimezone(rt.ruleset.tz).date()
    if last.return_date < today - timedelta(days=PRESENCE_DAYS):
        return None
    return Trip(last.from_city, last.return_date)
