"""Showing a code: the view a person reads, the page link, and fresh signed tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.health.colors import Color
from bot.health.tickets import TicketExpired, TicketInvalid, make_ticket, read_ticket
from bot.health.tokens import issue_token
from bot.services.decisions import reasons_in
from bot.services.errors import NotFound
from bot.services.people import masked_name
from bot.services.runtime import Runtime
from models.code import HealthCode
from models.district import District
from models.person import Person


@dataclass(frozen=True)
class CodeView:
    person_id: str
    name_masked: str
    color: Color
    reasons: tuple[str, ...]
    decided_at: datetime
    valid_until: datetime | None
    district: str | None
    district_tier: str | None
    page_url: str


@dataclass(frozen=True)
class LiveToken:
    token: str
    color: Color
    issued_at: datetime
    expires_at: datetime


async def code_of(person: Person) -> HealthCode:
    code = await HealthCode.get_or_none(person_id=person.id)
    if code is None:
        raise NotFound("code.none_yet")
    return code


async def code_view(
    rt: Runtime, person: Person, lang: str, code: HealthCode | None = None
) -> CodeView:
    """What a person reads of a code; pass ``code`` when it is already loaded."""
    code = code or await code_of(person)
    district = await District.get_or_none(adcode=person.district_id) if person.district_id else None
    return CodeView(
        person_id=person.public_id,
        name_masked=masked_name(rt, person),
        color=Color(code.color),
        reasons=reasons_in(code.reasons, lang),
        decided_at=code.decided_at,
        valid_until=code.valid_until,
        district=(district.name_en if lang == "en" else district.name) if district else None,
        district_tier=district.tier if district else None,
        page_url=page_url(rt, person, lang),
    )


def page_url(rt: Runtime, person: Person, lang: str = "zh") -> str:
    expires = rt.now() + rt.settings.ticket_lifetime
    ticket = make_ticket(rt.ticket_secret, person.public_id, expires)
    suffix = "?lang=en" if lang == "en" else ""
    return f"{rt.settings.public_base_url}/c/{ticket}{suffix}"


async def person_for_ticket(rt: Runtime, ticket: str) -> Person:
    """The person a page link names; a forged, expired or orphaned link is NotFound."""
    try:
        public_id = read_ticket(rt.ticket_secret, ticket, rt.now())
    except TicketExpired as exc:
        raise NotFound("page.link_expired") from exc
    except TicketInvalid as exc:
        raise NotFound("page.link_invalid") from exc
    person = await Person.get_or_none(public_id=public_id)
    if person is None:
        raise NotFound("page.link_invalid")
    return person


async def live_token(rt: Runtime, person: Person) -> LiveToken:
    """A freshly signed token for the person's code, good for the configured lifetime."""
    return token_for(rt, await code_of(person))


def token_for(rt: Runtime, code: HealthCode) -> LiveToken:
    now = rt.now()
    lifetime = rt.settings.token_lifetime
    token = issue_token(
        rt.keyring,
        code_id=bytes.fromhex(code.code_id),
        color=Color(code.color),
        region=rt.settings.region_adcode,
        rules_version=code.rules_version,
        now=now,
        lifetime=lifetime,
    )
    issued = now.replace(microsecond=0)
    return LiveToken(token, Color(code.color), issued, issued + lifetime)
