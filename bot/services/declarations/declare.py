"""The declaration use case: file it, decide the colour, queue the code image, in one unit of
work (docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.services.codes.decisions import redecide
from bot.services.codes.display import CodeView, code_view
from bot.services.family.claims import count_claim
from bot.services.notices import outbox
from bot.services.request_keys import KeyedRequest
from bot.services.residents.accounts import Channel
from bot.services.residents.people import Identity, own_person_for
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.declaration import Declaration
from models.district import District
from models.person import Account, Person


@dataclass(frozen=True)
class DeclarationInput:
    """A declaration with every answer already validated by the channel that took it."""

    who: Identity
    district_adcode: int
    left_city: bool
    from_city: str | None
    return_date: date | None
    symptoms: frozenset[str]
    contact: bool
    # the client's Idempotency-Key and its request's digest (bot.services.declarations.requests)
    request: KeyedRequest | None = None


@dataclass(frozen=True)
class Declared:
    view: CodeView


async def declare_for_self(rt: Runtime, account_id: int, answers: DeclarationInput) -> Declared:
    if not await Account.filter(id=account_id, person_id__isnull=False).exists():
        # the first declaration finds or makes the account's own record: an attempt to claim
        await count_claim(rt, account_id)
    async with UnitOfWork() as uow:
        # one declaration of an account at a time: a double tap must not create the same person
        # twice (on PostgreSQL a row lock; SQLite has one writer)
        account = await Account.select_for_update().get(id=account_id)
        await District.get(adcode=answers.district_adcode)
        person = await own_person_for(rt, account, answers.who, answers.district_adcode)
        declared = await file_declaration(rt, account, person, answers)
        uow.commit()
    return declared


async def file_declaration(
    rt: Runtime, account: Account, person: Person, answers: DeclarationInput
) -> Declared:
    """Record the declaration, decide the colour and queue the code image (inside the
    caller's unit of work)."""
    declaration = await Declaration.create(
        person_id=person.id,
        account_id=account.id,
        district_id=answers.district_adcode,
        left_city=answers.left_city,
        from_city=answers.from_city if answers.left_city else None,
        return_date=answers.return_date if answers.left_city else None,
        symptoms=sorted(answers.symptoms),
        contact=answers.contact,
        declared_at=rt.now(),
        # unique per account: a concurrent repeat of the same keyed request fails here
        request_key=answers.request.key if answers.request else None,
        request_digest=answers.request.digest if answers.request else None,
    )
    await redecide(rt, person, cause="declaration")
    # the mini-program shows the code itself; no chat to send to
    if account.channel != Channel.MINIAPP:
        await outbox.queue_code_image(rt, account.id, person, f"declaration:{declaration.id}")
    return Declared(await code_view(rt, person, account.lang))
