"""交接码: a record somebody manages changes hands, or gains a guardian, only with their consent.

Whoever manages a record issues a one-time code for one purpose (docs/family-transfers.md):

- ``hand_over``: a guardian gives a family member without an account of their own the record
  they made for them. The member enters the code in their own WeChat and from then on files for
  themself; the guardians keep the right to show the code.
- ``add_guardian``: one more family member may act for the record. A guardian issues it for a
  member without an account of their own; a person who manages their own record issues it
  for themself.

A code is good for 24 hours and one use, only its keyed hash is kept, and issuing a new one
for the same record and purpose ends the old one. It holds only while its issuer still
manages the record. Redeeming it tells everyone else who shows that code, in the same unit
of work. A wrong code counts as a claim attempt (``bot.services.family.claims``), and every wrong
code (unknown, expired, used, withdrawn) gets the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.health.errors import InvalidInput
from bot.health.transfer_codes import (
    Purpose,
    display_transfer_code,
    new_transfer_code,
    parse_transfer_code,
)
from bot.services import audit
from bot.services.errors import ServiceError
from bot.services.family.claims import check_claims, count_claim
from bot.services.family.members import (
    MAX_FAMILY_MEMBERS,
    RELATIONS,
    Member,
    family_of,
    reachable_person,
)
from bot.services.notices import outbox
from bot.services.residents.people import masked_name
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.person import Account, Guardianship, Person
from models.transfer import TransferCode

LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class Issued:
    code: str  # as shown (K7Q2-M9XD); kept nowhere in clear
    purpose: Purpose
    person_id: str
    name_masked: str
    expires_at: datetime


@dataclass(frozen=True)
class Offer:
    """What a valid code would do for the account that holds it (shown before it confirms)."""

    purpose: Purpose
    person_id: str
    name_masked: str


@dataclass(frozen=True)
class Accepted:
    purpose: Purpose
    person_id: str
    name_masked: str
    relation: str | None  # the record's relation to the new guardian; None for a hand-over


@dataclass(frozen=True)
class Transferable:
    """Someone the account may issue codes for, and for which purposes."""

    member: Member
    purposes: tuple[Purpose, ...]


async def transferable(rt: Runtime, account_id: int) -> list[Transferable]:
    """The members the account manages that have no account of their own (both purposes),
    then its own record (a guardian may be added); a self-managed member issues their own."""
    family = await family_of(rt, account_id)
    members = [
        Transferable(m, (Purpose.HAND_OVER, Purpose.ADD_GUARDIAN))
        for m in family[1:]
        if not m.self_managed
    ]
    return members + [Transferable(own, (Purpose.ADD_GUARDIAN,)) for own in family[:1]]


async def issue_transfer_code(
    rt: Runtime, account_id: int, person_id: str | None, purpose: Purpose
) -> Issued:
    """A new code for the account's own record (``person_id`` None) or a member's."""
    async with UnitOfWork() as uow:
        account = await Account.select_for_update().get(id=account_id)
        if account.person_id is None:
            raise ServiceError("family.register_self_first")
        person = await reachable_person(account_id, person_id)
        await _check_may_issue(rt, account, person, purpose)
        await TransferCode.filter(person_id=person.id, purpose=purpose.value).delete()
        code, now = new_transfer_code(), rt.now()
        row = await TransferCode.create(
            code_hash=_hash(rt, code),
            person_id=person.id,
            purpose=purpose.value,
            issued_by_id=account.id,
            created_at=now,
            expires_at=now + LIFETIME,
        )
        await _audit(rt, "transfer.issue", person, row, account)
        uow.commit()
    return Issued(
        display_transfer_code(code),
        purpose,
        person.public_id,
        masked_name(rt, person),
        row.expires_at,
    )


async def _check_may_issue(rt: Runtime, account: Account, person: Person, purpose: Purpose) -> None:
    if person.id == account.person_id:
        if purpose is Purpose.HAND_OVER:
            raise ServiceError("transfer.own_record")
        return
    if await Account.exists(person_id=person.id):
        # the member manages their own record now: only they can consent
        raise ServiceError("transfer.self_managed", name=masked_name(rt, person))


async def offer_of(rt: Runtime, account_id: int, raw_code: str) -> Offer:
    """What ``raw_code`` would do for the account, checked as its redemption will be."""
    row, person = await _live_code(rt, account_id, raw_code)
    account = await Account.get(id=account_id)
    purpose = Purpose(row.purpose)
    await _check_may_redeem(rt, account, person, purpose)
    return Offer(purpose, person.public_id, masked_name(rt, person))


async def redeem_transfer_code(
    rt: Runtime, account_id: int, raw_code: str, relation: str | None = None
) -> Accepted:
    """Hand the record over to this account's own person, or add that person as a guardian
    (``relation``: the record's relation to them), and tell the others who show the code."""
    found, person = await _live_code(rt, account_id, raw_code)
    purpose = Purpose(found.purpose)
    if purpose is Purpose.ADD_GUARDIAN and relation not in RELATIONS:
        raise InvalidInput("transfer.relation", field="relation")
    async with UnitOfWork() as uow:
        account = await Account.select_for_update().get(id=account_id)
        # a redemption of the same code at the same moment: the first one has it
        row = await TransferCode.select_for_update().get_or_none(id=found.id, used_at__isnull=True)
        if row is None:
            raise ServiceError("transfer.invalid")
        await _check_may_redeem(rt, account, person, purpose)
        row.used_at = rt.now()
        await row.save(update_fields=["used_at"])
        if purpose is Purpose.HAND_OVER:
            await _hand_over(rt, account, person, row)
        else:
            await _add_guardian(rt, account, person, row, relation or "")
        await _audit(rt, "transfer.redeem", person, row, account)
        uow.commit()
    accepted_relation = relation if purpose is Purpose.ADD_GUARDIAN else None
    return Accepted(purpose, person.public_id, masked_name(rt, person), accepted_relation)


async def _hand_over(rt: Runtime, account: Account, person: Person, row: TransferCode) -> None:
    account.person_id = account.current_person_id = person.id
    await account.save(update_fields=["person_id", "current_person_id"])
    await outbox.queue_family_change(
        rt, person.id, outbox.HANDED_OVER, event=f"transfer:{row.id}", actor_id=person.id
    )


async def _add_guardian(
    rt: Runtime, account: Account, person: Person, row: TransferCode, relation: str
) -> None:
    actor_id = account.person_id
    assert actor_id is not None  # _check_may_redeem saw to it
    await Guardianship.create(
        actor_id=actor_id, member_id=person.id, relation=relation, created_at=rt.now()
    )
    await outbox.queue_family_change(
        rt,
        person.id,
        outbox.GUARDIAN_ADDED,
        event=f"transfer:{row.id}",
        actor_id=actor_id,
        relation=relation,
    )


async def _live_code(rt: Runtime, account_id: int, raw_code: str) -> tuple[TransferCode, Person]:
    """The code's row and record, or one refusal for every code that does not work. A code of
    the wrong shape costs nothing; one of the right shape that fails counts as an attempt."""
    code = parse_transfer_code(raw_code)
    await check_claims(rt, account_id)
    row = await TransferCode.get_or_none(code_hash=_hash(rt, code))
    person = await Person.get_or_none(id=row.person_id, erased_at__isnull=True) if row else None
    if row is None or person is None or not await _still_consented(rt, row, person):
        await count_claim(rt, account_id)
        raise ServiceError("transfer.invalid")
    return row, person


async def _still_consented(rt: Runtime, row: TransferCode, person: Person) -> bool:
    """Unused, in time, and its issuer still manages the record: the person themself, or, for a
    record without an account of its own, one of its guardians."""
    if row.used_at is not None or row.expires_at <= rt.now():
        return False
    issuer = await Account.get_or_none(id=row.issued_by_id)
    if issuer is None or issuer.person_id is None:
        return False
    if issuer.person_id == person.id:
        return row.purpose == Purpose.ADD_GUARDIAN
    if await Account.exists(person_id=person.id):
        return False
    return await Guardianship.exists(actor_id=issuer.person_id, member_id=person.id)


async def _check_may_redeem(
    rt: Runtime, account: Account, person: Person, purpose: Purpose
) -> None:
    name = masked_name(rt, person)
    if purpose is Purpose.HAND_OVER:
        if account.person_id is not None:
            raise ServiceError("transfer.already_registered", name=name)
        return
    if account.person_id is None:
        raise ServiceError("transfer.register_first", name=name)
    if account.person_id == person.id:
        raise ServiceError("transfer.is_yourself")
    if await Guardianship.exists(actor_id=account.person_id, member_id=person.id):
        raise ServiceError("transfer.already_guardian", name=name)
    if await Guardianship.filter(actor_id=account.person_id).count() >= MAX_FAMILY_MEMBERS:
        raise ServiceError("family.limit", max=MAX_FAMILY_MEMBERS)


async def _audit(
    rt: Runtime, action: str, person: Person, row: TransferCode, account: Account
) -> None:
    # the code's row and the account, never the code: the trail says who consented, who used it
    after = {"purpose": row.purpose, "code": row.id, "account": account.id}
    await audit.record(rt, None, action, f"person:{person.public_id}", after=after)


def _hash(rt: Runtime, code: str) -> str:
    # keyed: the table alone does not let anyone try the 2⁴⁰ codes offline
    return rt.sealer.lookup_key(f"transfer-code:{code}")
