"""The mini-program's use cases, built on the same services as the chat: whatever one channel
files, the other shows (docs/architecture.md, FAQ 13)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from tortoise.exceptions import IntegrityError

from bot.health.errors import InvalidInput
from bot.health.identity import mask_phone
from bot.services.codes.display import (
    CodeView,
    LiveToken,
    code_view,
    live_token,
    token_for,
    view_of,
)
from bot.services.codes.hot_reads import current_live_code, reachable_live_code
from bot.services.declarations.declare import DeclarationInput, Declared, declare_for_self
from bot.services.declarations.declare_again import declare_again
from bot.services.declarations.requests import (
    earlier_declaration,
    keyed_request,
    same_as_last_request,
)
from bot.services.errors import NotFound
from bot.services.family.members import (
    Member,
    declare_for_family,
    declare_for_member,
    family_of,
)
from bot.services.request_keys import KeyedRequest
from bot.services.residents.accounts import current
from bot.services.residents.people import masked_document, masked_name, phone_of
from bot.services.runtime import Runtime
from models.code import HealthCode
from models.person import Account, Person


@dataclass(frozen=True)
class OwnPerson:
    person_id: str
    name_masked: str
    doc_type: str
    document_masked: str
    phone_masked: str | None
    district: int | None  # adcode
    color: str | None


@dataclass(frozen=True)
class Me:
    lang: str
    person: OwnPerson | None
    family: list[Member]
    current_person_id: str | None


@dataclass(frozen=True)
class Shown:
    """A code as the mini-program shows it: the view and a freshly signed token."""

    view: CodeView
    live: LiveToken
    replayed: bool = False  # the answer to an earlier request with the same Idempotency-Key


async def me(rt: Runtime, account_id: int) -> Me:
    account = await Account.get(id=account_id)
    if account.person_id is None:
        return Me(account.lang, None, [], None)
    own = await Person.get(id=account.person_id)
    chosen = (await current(account_id)).person
    return Me(
        account.lang,
        await _own_person(rt, own),
        (await family_of(rt, account_id))[1:],
        chosen.public_id,
    )


async def _own_person(rt: Runtime, person: Person) -> OwnPerson:
    phone = phone_of(rt, person)
    code = await HealthCode.get_or_none(person_id=person.id)
    return OwnPerson(
        person_id=person.public_id,
        name_masked=masked_name(rt, person),
        doc_type=person.doc_type,
        document_masked=masked_document(rt, person),
        phone_masked=mask_phone(phone) if phone else None,
        district=person.district_id,
        color=code.color if code else None,
    )


async def declare(
    rt: Runtime,
    account_id: int,
    answers: DeclarationInput,
    *,
    person_id: str | None = None,
    relation: str | None = None,
    request_key: str | None = None,
) -> Shown:
    """File for the account's own person, a family member it acts for (``person_id``), or a new
    family member (``relation``): the chat's three flows behind one endpoint. Once per
    ``request_key`` (``bot.services.declarations.requests``): a repeat answers the code the first
    request filed."""

    async def file(request: KeyedRequest | None) -> Shown:
        keyed = replace(answers, request=request) if request else answers
        return await _declare(rt, account_id, keyed, person_id, relation)

    if request_key is None:
        return await file(None)
    return await _once(
        rt, account_id, keyed_request(rt, request_key, answers, person_id, relation), file
    )


async def declare_same_as_last(
    rt: Runtime, account_id: int, person_id: str | None = None, *, request_key: str | None = None
) -> Shown:
    """``{"same_as_last": true}``: declare again with the identity and address on record and
    nothing changed (``bot.services.declarations.declare_again``), once per ``request_key`` as
    above."""

    async def file(request: KeyedRequest | None) -> Shown:
        return await _shown(rt, await declare_again(rt, account_id, person_id, request=request))

    if request_key is None:
        return await file(None)
    return await _once(rt, account_id, same_as_last_request(rt, request_key, person_id), file)


async def _once(
    rt: Runtime,
    account_id: int,
    request: KeyedRequest,
    file: Callable[[KeyedRequest | None], Awaitable[Shown]],
) -> Shown:
    earlier = await _earlier(rt, account_id, request)
    if earlier is not None:
        return earlier
    try:
        return await file(request)
    except (IntegrityError, InvalidInput):
        # a repeat that ran beside the first one: it waited on the account's lock, then found
        # the key taken (or, for a family member, the member added by the first)
        earlier = await _earlier(rt, account_id, request)
        if earlier is None:
            raise
        return earlier


async def _declare(
    rt: Runtime,
    account_id: int,
    answers: DeclarationInput,
    person_id: str | None,
    relation: str | None,
) -> Shown:
    # Each of these is its own unit of work, which locks the account first (one declaration of
    # an account at a time, as the chat's inbox does). None runs inside a unit of work of ours:
    # an attempt to claim a record is counted before it, and a refusal must not undo the count.
    if relation is not None:
        declared = await declare_for_family(rt, account_id, relation, answers)
    elif person_id is not None and not await _is_own(account_id, person_id):
        declared = await declare_for_member(rt, account_id, person_id, answers)
    else:
        if answers.who.phone is None:
            raise InvalidInput("miniapp.phone_required", field="phone")
        declared = await declare_for_self(rt, account_id, answers)
    return await _shown(rt, declared)


async def _earlier(rt: Runtime, account_id: int, request: KeyedRequest) -> Shown | None:
    person = await earlier_declaration(account_id, request)
    if person is None:
        return None
    account = await Account.get(id=account_id)
    view = await code_view(rt, person, account.lang)
    return Shown(view, await live_token(rt, person), replayed=True)


async def _is_own(account_id: int, person_id: str) -> bool:
    account = await Account.get(id=account_id)
    return account.person_id is not None and await Person.exists(
        id=account.person_id, public_id=person_id
    )


async def _shown(rt: Runtime, declared: Declared) -> Shown:
    person = await Person.get(public_id=declared.view.person_id)
    return Shown(declared.view, await live_token(rt, person))


async def show_code(rt: Runtime, account_id: int, person_id: str | None, lang: str) -> Shown:
    """The code of a person the account may show; without ``person_id``, the current one.
    One read: the person (own, or a family member it acts for), the code and its district."""
    if person_id is None:
        code = await current_live_code(account_id)
        if code is None:
            raise NotFound("code.none_yet")
    else:
        code = await reachable_live_code(account_id, person_id)
        if code is None:
            raise NotFound("family.not_found")
    if code.code_id is None:
        raise NotFound("code.none_yet")
    return Shown(view_of(rt, code, lang), token_for(rt, code))
