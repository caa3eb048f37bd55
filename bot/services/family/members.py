"""家人代办: acting for up to three family members, and choosing whose code is shown.

An account reaches its own person and the family members that person acts for, nothing else;
anything else answers as if it did not exist. A record somebody else manages joins a family
only by a 交接码 (``bot.services.family.transfers``): a name and a document number are not enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from bot.health.colors import Color
from bot.services import audit
from bot.services.codes.paper_revocation import UNLINK, revoke_printed_by
from bot.services.declarations.declare import DeclarationInput, Declared, file_declaration
from bot.services.errors import NotFound, ServiceError
from bot.services.family.claims import count_claim
from bot.services.residents.erasure import erase_people
from bot.services.residents.people import (
    create_person,
    lookup_key,
    masked_name,
    name_of,
    phone_of,
    seal_phone,
)
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.code import HealthCode
from models.person import Account, Guardianship, Person

RELATIONS = ("spouse", "parent", "child")
MAX_FAMILY_MEMBERS = 3


@dataclass(frozen=True)
class Member:
    person_id: str  # the person's public id
    name_masked: str
    relation: str | None  # None for the account's own person
    color: Color | None
    self_managed: bool = False  # the member has an account of their own and files for themself


async def family_of(rt: Runtime, account_id: int) -> list[Member]:
    """The account's own person first (if registered), then the members it acts for."""
    account = await Account.get(id=account_id)
    if account.person_id is None:
        return []
    own = await Person.get(id=account.person_id)
    links = await Guardianship.filter(actor_id=own.id).order_by("id").prefetch_related("member")
    member_ids = [link.member_id for link in links]
    colors = await _colors([own.id, *member_ids])
    with_accounts = await Account.filter(person_id__in=member_ids).values_list(
        "person_id", flat=True
    )
    own_accounts = set(cast(list[int], with_accounts))
    people = [(own, None)] + [(link.member, link.relation) for link in links]
    return [
        Member(p.public_id, masked_name(rt, p), relation, colors.get(p.id), p.id in own_accounts)
        for p, relation in people
    ]


async def _colors(person_ids: list[int]) -> dict[int, Color]:
    rows = await HealthCode.filter(person_id__in=person_ids).values_list("person_id", "color")
    return {person_id: Color(color) for person_id, color in rows}


async def check_may_add(account_id: int) -> None:
    """Refuse before the dialogue starts: no own record yet, or three members already."""
    actor_id = await _actor_id(account_id)
    if await Guardianship.filter(actor_id=actor_id).count() >= MAX_FAMILY_MEMBERS:
        raise ServiceError("family.limit", max=MAX_FAMILY_MEMBERS)


async def check_may_declare_for(rt: Runtime, account_id: int, member_id: str) -> None:
    """Refuse before the dialogue starts: a member with an account of their own files for
    themself (the account still shows their code)."""
    await _refuse_if_self_managed(rt, await reachable_member(account_id, member_id))


async def _actor_id(account_id: int) -> int:
    account = await Account.get(id=account_id)
    if account.person_id is None:
        raise ServiceError("family.register_self_first")
    return account.person_id


async def declare_for_family(
    rt: Runtime, account_id: int, relation: str, answers: DeclarationInput
) -> Declared:
    """File a declaration for a family member, adding them to the family if they are new."""
    if relation not in RELATIONS:
        raise ServiceError("family.relation")
    await _actor_id(account_id)  # no own record yet: refused before anything is counted
    await count_claim(rt, account_id)  # naming a document that may be someone else's record
    async with UnitOfWork() as uow:
        account = await Account.select_for_update().get(id=account_id)
        actor_id = await _actor_id(account_id)
        member = await _member_for(rt, actor_id, answers)
        await _link(rt, actor_id, member, relation)
        declared = await file_declaration(rt, account, member, answers)
        uow.commit()
    return declared


async def declare_for_member(
    rt: Runtime, account_id: int, member_id: str, answers: DeclarationInput
) -> Declared:
    """A new declaration for a family member already linked (申领 after 切换)."""
    async with UnitOfWork() as uow:
        account = await Account.select_for_update().get(id=account_id)
        member = await reachable_member(account_id, member_id)
        if lookup_key(rt, answers.who.doc_type, answers.who.doc_number) != member.doc_lookup:
            raise ServiceError("family.other_document", name=masked_name(rt, member))
        await _refuse_if_self_managed(rt, member)
        await _update_member(rt, member, answers)
        declared = await file_declaration(rt, account, member, answers)
        uow.commit()
    return declared


async def _member_for(rt: Runtime, actor_id: int, answers: DeclarationInput) -> Person:
    who = answers.who
    key = lookup_key(rt, who.doc_type, who.doc_number)
    actor = await Person.get(id=actor_id)
    if key == actor.doc_lookup:
        raise ServiceError("family.is_yourself")
    person = await Person.get_or_none(doc_lookup=key)
    if person is None:
        return await create_person(rt, who, key, answers.district_adcode)
    if not await Guardianship.exists(actor_id=actor_id, member_id=person.id):
        # Somebody else's record (another parent's child, a person with their own WeChat): it
        # gains a guardian only by the 交接码 of whoever manages it. The refusal is the same
        # whatever the name, so it tells nothing about the record.
        raise ServiceError("family.document_taken", hotline=rt.settings.hotline)
    if name_of(rt, person).casefold() != who.name.casefold():
        raise ServiceError("family.name_mismatch", name=masked_name(rt, person))
    await _refuse_if_self_managed(rt, person)
    await _update_member(rt, person, answers)
    return person


async def _refuse_if_self_managed(rt: Runtime, person: Person) -> None:
    if await Account.filter(person_id=person.id).exists():
        raise ServiceError("family.self_managed", name=masked_name(rt, person))


async def _update_member(rt: Runtime, person: Person, answers: DeclarationInput) -> None:
    person.district_id = answers.district_adcode
    if answers.who.phone and phone_of(rt, person) != answers.who.phone:
        person.phone_sealed = seal_phone(rt, answers.who.phone)
    await person.save(update_fields=["district_id", "phone_sealed", "updated_at"])


async def _link(rt: Runtime, actor_id: int, member: Person, relation: str) -> None:
    link = await Guardianship.get_or_none(actor_id=actor_id, member_id=member.id)
    if link is not None:
        return
    if await Guardianship.filter(actor_id=actor_id).count() >= MAX_FAMILY_MEMBERS:
        raise ServiceError("family.limit", max=MAX_FAMILY_MEMBERS)
    await Guardianship.create(
        actor_id=actor_id, member_id=member.id, relation=relation, created_at=rt.now()
    )


async def reachable_member(account_id: int, member_id: str) -> Person:
    """A family member the account acts for; anything else is NotFound."""
    actor_id = (await Account.get(id=account_id)).person_id
    person = await Person.get_or_none(public_id=member_id)
    if actor_id is None or person is None:
        raise NotFound("family.not_found")
    if not await Guardianship.exists(actor_id=actor_id, member_id=person.id):
        raise NotFound("family.not_found")
    return person


async def reachable_person(account_id: int, person_id: str | None) -> Person:
    """The account's own person (``None``/its own id) or a member it acts for."""
    account = await Account.get(id=account_id)
    if person_id is None:
        if account.person_id is None:
            raise NotFound("code.none_yet")
        return await Person.get(id=account.person_id)
    own = await Person.get_or_none(id=account.person_id) if account.person_id else None
    if own is not None and own.public_id == person_id:
        return own
    return await reachable_member(account_id, person_id)


async def switch_to(account_id: int, person_id: str | None) -> Person:
    person = await reachable_person(account_id, person_id)
    await Account.filter(id=account_id).update(current_person_id=person.id)
    return person


async def unlink(rt: Runtime, account_id: int, member_id: str) -> bool:
    """Stop acting for a member: from this moment the account cannot show that code. A record
    nobody reaches any more (no other guardian, no account of its own) is erased as 注销 erases
    it: left behind, it would bar its own person from registering. Answers whether it was."""
    async with UnitOfWork() as uow:
        member = await reachable_member(account_id, member_id)
        actor_id = (await Account.get(id=account_id)).person_id
        await Guardianship.filter(actor_id=actor_id, member_id=member.id).delete()
        # a sheet this family printed for the member must not outlive the right to show it
        if actor_id is not None:  # reachable_member found the link, so there is an actor
            await revoke_printed_by(rt, actor_id, member.id, UNLINK)
        # every account of the actor that was showing this member goes back to its own person
        await Account.filter(person_id=actor_id, current_person_id=member.id).update(
            current_person_id=actor_id
        )
        nobody_else = not await Guardianship.exists(member_id=member.id)
        orphaned = nobody_else and not await Account.exists(person_id=member.id)
        if orphaned:
            await erase_people(rt, [member.id])
            await audit.record(rt, None, "family.unlink_erase", f"person:{member.public_id}")
        uow.commit()
    return orphaned
