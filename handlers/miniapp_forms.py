"""Reading the mini-program's bodies (``handlers.request_bodies``, already checked for shape
and types) into the values the services take.

Every refusal is an ``InvalidInput`` naming the field it is about, with the sentence of the
parser the chat uses for the same answer, so both channels accept and refuse the same things.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from bot.conversation.parsers import parse_city, parse_return_date
from bot.health.districts import Region
from bot.health.errors import InvalidInput
from bot.health.identity import parse_document, parse_name, parse_phone
from bot.health.transfer_codes import Purpose, parse_transfer_code
from bot.services.declarations.declare import DeclarationInput
from bot.services.errors import NotFound
from bot.services.residents.people import Identity
from handlers import request_bodies as bodies

T = TypeVar("T")
_PUBLIC_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


@dataclass(frozen=True)
class DeclarationForm:
    answers: DeclarationInput
    person_id: str | None
    relation: str | None


@dataclass(frozen=True)
class LoginForm:
    code: str
    lang: str | None


@dataclass(frozen=True)
class AppealForm:
    person_id: str | None
    text: str


@dataclass(frozen=True)
class TransferCodeForm:
    person_id: str | None  # None: the account's own record
    purpose: Purpose


@dataclass(frozen=True)
class TransferForm:
    code: str  # canonical (K7Q2M9XD): whether it works is the service's to say
    relation: str | None


def login_form(body: bodies.MiniappLogin) -> LoginForm:
    if not body.code.strip():
        raise InvalidInput("miniapp.login_code_format", field="code")
    return LoginForm(body.code, body.lang)


def appeal_form(body: bodies.Appeal) -> AppealForm:
    return AppealForm(person_id_or_none(body.person_id), body.text)


def transfer_code_form(body: bodies.TransferCodeRequest) -> TransferCodeForm:
    return TransferCodeForm(person_id_or_none(body.person_id), body.purpose)


def transfer_form(body: bodies.Transfer) -> TransferForm:
    return TransferForm(_field("code", parse_transfer_code, body.code), body.relation)


def declaration_form(body: bodies.Declaration, today: date, region: Region) -> DeclarationForm:
    person_id = person_id_or_none(body.person_id)
    if body.relation is not None and person_id is not None:
        raise InvalidInput("miniapp.person_or_relation", field="relation")
    # in the order of the chat's questions, so the first wrong answer is the one reported
    who = _identity(body, today)
    district = _field("district", region.by_adcode, body.district)
    from_city, return_date = _trip(body, today)
    answers = DeclarationInput(
        who=who,
        district_adcode=district.adcode,
        left_city=body.left_city,
        from_city=from_city,
        return_date=return_date,
        symptoms=frozenset(body.symptoms),
        contact=body.contact,
    )
    return DeclarationForm(answers, person_id, body.relation)


def _identity(body: bodies.Declaration, today: date) -> Identity:
    name = _field("name", parse_name, body.name)
    number = _field("doc_number", parse_document, body.doc_type, body.doc_number, today)
    phone = _field("phone", parse_phone, body.phone) if body.phone else None
    return Identity(name, body.doc_type, number, phone)


def _trip(body: bodies.Declaration, today: date) -> tuple[str | None, date | None]:
    """Where from and when, asked only of someone who left the city (as the chat does)."""
    if not body.left_city:
        return None, None
    if body.from_city is None:
        raise InvalidInput("api.missing", field="from_city")
    if body.return_date is None:
        raise InvalidInput("api.missing", field="return_date")
    return _field("from_city", parse_city, body.from_city), _field(
        "return_date", parse_return_date, body.return_date, today
    )


def person_id_or_none(raw: str | None) -> str | None:
    """A person id as given, or ``NotFound`` for one no person can have (a guessed id and a
    malformed one answer alike)."""
    if raw is not None and not _PUBLIC_ID.fullmatch(raw):
        raise NotFound("family.not_found")
    return raw


def _field(name: str, parse: Callable[..., T], *args: Any) -> T:
    """``parse(*args)``, its refusal marked with the field it is about."""
    try:
        return parse(*args)
    except InvalidInput as exc:
        raise InvalidInput(exc.code, **{**exc.params, "field": name}) from None
