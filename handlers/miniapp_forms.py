"""Reading the mini-program's JSON bodies into the values the services take.

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
from bot.health.identity import DocType, parse_document, parse_name, parse_phone
from bot.health.transfer_codes import Purpose, parse_transfer_code
from bot.services.declarations.declare import DeclarationInput
from bot.services.errors import NotFound
from bot.services.family.members import RELATIONS
from bot.services.residents.people import Identity
from bot.texts import LANGUAGES

T = TypeVar("T")
SYMPTOMS = ("fever", "cough")
MAX_CODE_LENGTH = 128
MAX_FIELD_NAME = 64
# Control characters (a line break aside) and lone surrogates: no answer needs them, and neither
# a database column nor UTF-8 can hold all of them.
_UNPRINTABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f\ud800-\udfff]")
_PUBLIC_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
DECLARATION_FIELDS = frozenset(
    {
        "name", "doc_type", "doc_number", "phone", "district", "left_city", "from_city",
        "return_date", "symptoms", "contact", "person_id", "relation", "same_as_last",
    }
)  # fmt: skip
SAME_AS_LAST_FIELDS = frozenset({"same_as_last", "person_id"})


@dataclass(frozen=True)
class DeclarationForm:
    answers: DeclarationInput
    person_id: str | None
    relation: str | None


@dataclass(frozen=True)
class SameAsLastForm:
    person_id: str | None  # None: the account's own person


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


def login_form(body: dict[str, Any]) -> LoginForm:
    _only(body, {"code", "lang"})
    code = _required(body, "code", str)
    if not code.strip() or len(code) > MAX_CODE_LENGTH:
        raise InvalidInput("miniapp.login_code_format", field="code")
    lang = _optional(body, "lang", str)
    if lang is not None and lang not in LANGUAGES:
        raise InvalidInput("miniapp.lang", field="lang")
    return LoginForm(code, lang)


def appeal_form(body: dict[str, Any]) -> AppealForm:
    _only(body, {"person_id", "text"})
    return AppealForm(_person_id(body), _required(body, "text", str))


def transfer_code_form(body: dict[str, Any]) -> TransferCodeForm:
    _only(body, {"person_id", "purpose"})
    try:
        purpose = Purpose(_required(body, "purpose", str))
    except ValueError:
        raise InvalidInput("miniapp.purpose", field="purpose") from None
    return TransferCodeForm(_person_id(body), purpose)


def printed_code_form(body: dict[str, Any]) -> str | None:
    """The person a paper code is printed for; None: the account's current person."""
    _only(body, {"person_id"})
    return _person_id(body)


def transfer_form(body: dict[str, Any]) -> TransferForm:
    _only(body, {"code", "relation"})
    code = _field("code", parse_transfer_code, _required(body, "code", str))
    relation = _optional(body, "relation", str)
    if relation is not None and relation not in RELATIONS:
        raise InvalidInput("miniapp.relation", field="relation")
    return TransferForm(code, relation)


def same_as_last_form(body: dict[str, Any]) -> SameAsLastForm | None:
    """``{"same_as_last": true, "person_id"?}``: declare again with nothing changed. None for
    a full declaration (``same_as_last`` absent or false)."""
    if not _optional(body, "same_as_last", bool):
        return None
    for key in body:
        if key not in SAME_AS_LAST_FIELDS:
            # the answers are the ones on record: one given here would be silently ignored
            raise InvalidInput("miniapp.same_as_last_alone", field=key[:MAX_FIELD_NAME])
    return SameAsLastForm(_person_id(body))


def declaration_form(body: dict[str, Any], today: date, region: Region) -> DeclarationForm:
    _only(body, DECLARATION_FIELDS)
    person_id, relation = _person_id(body), _optional(body, "relation", str)
    if relation is not None and relation not in RELATIONS:
        raise InvalidInput("miniapp.relation", field="relation")
    if relation is not None and person_id is not None:
        raise InvalidInput("miniapp.person_or_relation", field="relation")
    # in the order of the chat's questions, so the first wrong answer is the one reported
    who = _identity(body, today)
    district = _field("district", region.by_adcode, _required(body, "district", int))
    left_city = _required(body, "left_city", bool)
    from_city, return_date = _trip(body, left_city, today)
    answers = DeclarationInput(
        who=who,
        district_adcode=district.adcode,
        left_city=left_city,
        from_city=from_city,
        return_date=return_date,
        symptoms=_symptoms(body),
        contact=_required(body, "contact", bool),
    )
    return DeclarationForm(answers, person_id, relation)


def _identity(body: dict[str, Any], today: date) -> Identity:
    name = _field("name", parse_name, _required(body, "name", str))
    try:
        doc_type = DocType(_required(body, "doc_type", str))
    except ValueError:
        raise InvalidInput("miniapp.doc_type", field="doc_type") from None
    number = _field(
        "doc_number", parse_document, doc_type, _required(body, "doc_number", str), today
    )
    phone = _optional(body, "phone", str)
    return Identity(name, doc_type, number, _field("phone", parse_phone, phone) if phone else None)


def _trip(body: dict[str, Any], left_city: bool, today: date) -> tuple[str | None, date | None]:
    """Where from and when, asked only of someone who left the city (as the chat does)."""
    city, day = _optional(body, "from_city", str), _optional(body, "return_date", str)
    if not left_city:
        return None, None
    if city is None:
        raise InvalidInput("api.missing", field="from_city")
    if day is None:
        raise InvalidInput("api.missing", field="return_date")
    return _field("from_city", parse_city, city), _field(
        "return_date", parse_return_date, day, today
    )


def _symptoms(body: dict[str, Any]) -> frozenset[str]:
    symptoms = _required(body, "symptoms", list)
    if not all(isinstance(s, str) and s in SYMPTOMS for s in symptoms):
        raise InvalidInput("miniapp.symptoms", field="symptoms")
    return frozenset(symptoms)


def _person_id(body: dict[str, Any]) -> str | None:
    return person_id_or_none(_optional(body, "person_id", str))


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


def _only(body: dict[str, Any], allowed: frozenset[str] | set[str]) -> None:
    for key in body:
        if key not in allowed:
            raise InvalidInput("miniapp.unknown_field", field=key[:MAX_FIELD_NAME])


def _required(body: dict[str, Any], name: str, kind: type[T]) -> T:
    value = _optional(body, name, kind)
    if value is None:
        raise InvalidInput("api.missing", field=name)
    return value


def _optional(body: dict[str, Any], name: str, kind: type[T]) -> T | None:
    value = body.get(name)
    if value is None:
        return None
    # JSON's true is not a number here, though Python counts bool as an int
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise InvalidInput("api.wrong_type", field=name)
    if isinstance(value, str) and _UNPRINTABLE.search(value):
        raise InvalidInput("miniapp.unprintable", field=name)
    return value
