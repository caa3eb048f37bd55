"""Showing a code: the view a person reads, the page link, and fresh signed tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.health.colors import Color
from bot.health.identity import mask_name
from bot.health.tickets import TicketExpired, TicketInvalid, make_ticket, read_ticket
from bot.health.tokens import issue_token
from bot.services.codes.decisions import reasons_in
from bot.services.codes.hot_reads import LiveCode, live_code_by_public_id, live_code_of_person
from bot.services.errors import NotFound
from bot.services.residents.people import NAME
from bot.services.runtime import Runtime
from bot.texts import DEFAULT_LANGUAGE, LANGUAGES
from models.code import HealthCode
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


class SignableCode(Protocol):
    """What a token is signed from: a code row, or the live code a hot read returns (whose
    fields are None for a person without a code)."""

    @property
    def code_id(self) -> str | None: ...
    @property
    def color(self) -> str | None: ...
    @property
    def rules_version(self) -> str | None: ...


async def code_of(person: Person) -> HealthCode:
    code = await HealthCode.get_or_none(person_id=person.id)
    if code is None:
        raise NotFound("code.none_yet")
    return code


async def live_code(person: Person) -> LiveCode:
    """The person's code with its district, in one statement; NotFound without a code."""
    live = await live_code_of_person(person.id)
    if live is None or live.code_id is None:
        raise NotFound("code.none_yet")
    return live


async def code_view(rt: Runtime, person: Person, lang: str) -> CodeView:
    """What a person reads of their code."""
    return view_of(rt, await live_code(person), lang)


def view_of(rt: Runtime, live: LiveCode, lang: str, *, ticket: str | None = None) -> CodeView:
    """``ticket``: the page link the code was opened by, which is then the view's link too (a
    link of the same person, good as long as it is), so none is signed anew."""
    assert live.color is not None and live.decided_at is not None, "a person without a code"
    district = live.district_name_en if lang == "en" else live.district_name
    return CodeView(
        person_id=live.public_id,
        name_masked=mask_name(rt.sealer.open(live.name_sealed, NAME)),
        color=Color(live.color),
        reasons=reasons_in(live.reasons, lang),
        decided_at=live.decided_at,
        valid_until=live.valid_until,
        district=district,
        district_tier=live.district_tier if district else None,
        page_url=_link(rt, ticket, lang) if ticket else page_url_for(rt, live.public_id, lang),
    )


def page_url(rt: Runtime, person: Person, lang: str = "zh") -> str:
    return page_url_for(rt, person.public_id, lang)


def page_url_for(rt: Runtime, public_id: str, lang: str = "zh") -> str:
    expires = rt.now() + rt.settings.ticket_lifetime
    return _link(rt, make_ticket(rt.ticket_secret, public_id, expires), lang)


def _link(rt: Runtime, ticket: str, lang: str) -> str:
    # the link always names its language, Chinese too: the page prefers it to the browser's
    # Accept-Language, so a Chinese chat's link reads in Chinese in an English browser
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    return f"{rt.settings.public_base_url}/c/{ticket}?lang={lang}"


async def live_code_for_ticket(rt: Runtime, ticket: str) -> LiveCode:
    """The code a page link names; a forged, expired or orphaned link is NotFound, and so is
    a person with no code yet."""
    try:
        public_id = read_ticket(rt.ticket_secret, ticket, rt.now())
    except TicketExpired as exc:
        raise NotFound("page.link_expired") from exc
    except TicketInvalid as exc:
        raise NotFound("page.link_invalid") from exc
    live = await live_code_by_public_id(public_id)
    if live is None:
        raise NotFound("page.link_invalid")
    if live.code_id is None:
        raise NotFound("code.none_yet")
    return live


async def live_token(rt: Runtime, person: Person) -> LiveToken:
    """A freshly signed token for the person's code, good for the configured lifetime."""
    return token_for(rt, await code_of(person))


def token_for(rt: Runtime, code: SignableCode) -> LiveToken:
    if code.code_id is None or code.color is None or code.rules_version is None:
        raise NotFound("code.none_yet")
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
