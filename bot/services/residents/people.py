"""Finding, creating and reading people: the only place that seals and opens their data."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.health.identity import DocType, document_lookup_form, mask_document, mask_name
from bot.services.errors import ServiceError
from bot.services.runtime import Runtime
from models.authority import AuthorityRecord
from models.person import Account, Person

NAME, DOCUMENT, PHONE = "person.name", "person.doc_number", "person.phone"


@dataclass(frozen=True)
class Identity:
    """Who a declaration is about, as the person gave it (already validated)."""

    name: str
    doc_type: DocType
    doc_number: str
    phone: str | None


def lookup_key(rt: Runtime, doc_type: DocType, doc_number: str) -> str:
    return rt.sealer.lookup_key(document_lookup_form(doc_type, doc_number))


def name_of(rt: Runtime, person: Person) -> str:
    return rt.sealer.open(person.name_sealed, NAME)


def seal_phone(rt: Runtime, phone: str) -> str:
    return rt.sealer.seal(phone, PHONE)


def masked_name(rt: Runtime, person: Person) -> str:
    return mask_name(name_of(rt, person))


def masked_document(rt: Runtime, person: Person) -> str:
    return mask_document(rt.sealer.open(person.doc_number_sealed, DOCUMENT))


def document_of(rt: Runtime, person: Person) -> str:
    return rt.sealer.open(person.doc_number_sealed, DOCUMENT)


def identity_of(rt: Runtime, person: Person) -> Identity:
    """The identity on record, as a declaration would give it again."""
    return Identity(
        name_of(rt, person), DocType(person.doc_type), document_of(rt, person), phone_of(rt, person)
    )


def phone_of(rt: Runtime, person: Person) -> str | None:
    return rt.sealer.open(person.phone_sealed, PHONE) if person.phone_sealed else None


async def own_person_for(rt: Runtime, account: Account, who: Identity, adcode: int) -> Person:
    """The account's own person for this declaration: its linked one, an existing record it
    may claim, or a new one. Raises when the document belongs to somebody else."""
    key = lookup_key(rt, who.doc_type, who.doc_number)
    if account.person_id is not None:
        person = await Person.get(id=account.person_id)
        if person.doc_lookup != key:
            raise ServiceError("declare.not_your_document", masked=masked_document(rt, person))
    else:
        found = await Person.get_or_none(doc_lookup=key)
        if found is not None and not await _may_claim(rt, found, who):
            raise ServiceError("declare.document_taken", hotline=rt.settings.hotline)
        person = found or await create_person(rt, who, key, adcode)
        account.person_id = person.id
    if account.current_person_id is None:
        account.current_person_id = person.id
    await account.save(update_fields=["person_id", "current_person_id"])
    await _refresh(rt, person, who, adcode)
    return person


async def _may_claim(rt: Runtime, person: Person, who: Identity) -> bool:
    # A second account claims an existing person only when it is the same person on another
    # channel: the record has an account of its own, and name, document and phone all
    # match. A record without a phone, or one that only family members manage, changes hands by
    # a 交接码 alone (bot/services/family/transfers.py). Every check is made, and the refusal is the
    # same whichever failed, so it tells nothing about the record.
    has_own_account = await Account.filter(person_id=person.id).exists()
    recorded_phone = phone_of(rt, person)
    same_name = name_of(rt, person).casefold() == who.name.casefold()
    return (
        has_own_account and same_name and recorded_phone is not None and recorded_phone == who.phone
    )


async def create_person(rt: Runtime, who: Identity, key: str, adcode: int) -> Person:
    person = await Person.create(
        public_id=secrets.token_hex(16),
        doc_type=who.doc_type.value,
        doc_lookup=key,
        doc_number_sealed=rt.sealer.seal(who.doc_number, DOCUMENT),
        name_sealed=rt.sealer.seal(who.name, NAME),
        phone_sealed=seal_phone(rt, who.phone) if who.phone else None,
        district_id=adcode,
    )
    # the authorities' records that arrived before the person registered apply from now on
    await AuthorityRecord.filter(doc_lookup=key, person_id=None).update(person_id=person.id)
    return person


async def _refresh(rt: Runtime, person: Person, who: Identity, adcode: int) -> None:
    """A declaration brings the latest name spelling, phone and district."""
    person.name_sealed = rt.sealer.seal(who.name, NAME)
    if who.phone:
        person.phone_sealed = rt.sealer.seal(who.phone, PHONE)
    person.district_id = adcode
    await person.save(update_fields=["name_sealed", "phone_sealed", "district_id", "updated_at"])
