"""A paper code (FAQ 18, docs/paper-code.md): a printable QR for someone without a phone.

The QR holds a reference token (``bot.health.tokens``, format version 2) that names one
printed-code row and carries no colour, so a scan always reads the live colour. One paper per
person holds at a time: printing again revokes the last one, and 注销 and the end of the
family link of the guardian who printed it revoke it too (``bot.services.codes.paper_revocation``,
called inside those services' units of work). Each issue and each
revocation is written with its audit entry in one unit of work.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from bot.health.qr import render_png
from bot.health.tickets import TicketExpired, TicketInvalid, make_ticket, read_ticket
from bot.health.tokens import issue_reference_token
from bot.services import audit
from bot.services.codes.paper_revocation import REPRINT, revoke
from bot.services.errors import NotFound
from bot.services.family.members import reachable_person
from bot.services.residents.accounts import current
from bot.services.residents.people import masked_name
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.code import HealthCode
from models.paper import PrintedCode
from models.person import Account

# the QR of an A6 sheet is printed at least 5 cm wide: 12 pixels a module keep it sharp there
PRINT_SCALE = 12


@dataclass(frozen=True)
class Printed:
    person_id: str  # the person's public id
    name_masked: str
    issued_at: datetime
    page_url: str  # the printable sheet
    revoked: int  # earlier papers this printing revoked

    @property
    def qr_url(self) -> str:
        return self.page_url.split("?", 1)[0] + "/qr.png"


@dataclass(frozen=True)
class PaperSheet:
    """What the printable page shows: whose, since when, and the QR."""

    name_masked: str
    issued_at: datetime
    token: str
    png: bytes


async def print_code(
    rt: Runtime, account_id: int, person_id: str | None, lang: str = "zh"
) -> Printed:
    """A new paper code for the account's current person (``person_id`` None) or one it may
    show; NotFound for anyone else and for a person without a code yet."""
    async with UnitOfWork() as uow:
        account = await Account.select_for_update().get(id=account_id)
        if person_id is None:
            person = (await current(account_id)).person
        else:
            person = await reachable_person(account_id, person_id)
        if not await HealthCode.exists(person_id=person.id):
            raise NotFound("code.none_yet")
        revoked = await revoke(rt, PrintedCode.filter(person_id=person.id), REPRINT)
        row = await PrintedCode.create(
            ref=secrets.token_bytes(16).hex(),
            person_id=person.id,
            printed_by_id=account.person_id,
            issued_at=rt.now().replace(microsecond=0),
        )
        after = {"printed": row.id, "by_account": account.id}
        await audit.record(rt, None, "paper.print", f"person:{person.public_id}", after=after)
        uow.commit()
    return Printed(
        person.public_id, masked_name(rt, person), row.issued_at, sheet_url(rt, row, lang), revoked
    )


async def paper_printed_at(public_id: str) -> datetime | None:
    """When the person's paper code that still holds was printed (the code page says so)."""
    found = await PrintedCode.filter(
        person__public_id=public_id, revoked_at__isnull=True
    ).values_list("issued_at", flat=True)
    # Tortoise types a flat values_list as tuples
    return max(cast(list[datetime], found)) if found else None


def sheet_url(rt: Runtime, row: PrintedCode, lang: str = "zh") -> str:
    expires = rt.now() + rt.settings.ticket_lifetime
    ticket = make_ticket(_sheet_secret(rt), row.ref, expires)
    suffix = "?lang=en" if lang == "en" else ""
    return f"{rt.settings.public_base_url}/p/{ticket}{suffix}"


async def sheet_for_ticket(rt: Runtime, ticket: str) -> PaperSheet:
    """The printable sheet a link names; NotFound for a forged or expired link, and
    ``paper.revoked`` for a paper that no longer holds."""
    try:
        ref = read_ticket(_sheet_secret(rt), ticket, rt.now())
    except TicketExpired as exc:
        raise NotFound("paper.link_expired") from exc
    except TicketInvalid as exc:
        raise NotFound("page.link_invalid") from exc
    row = await PrintedCode.get_or_none(ref=ref).prefetch_related("person")
    if row is None or row.revoked_at is not None:
        raise NotFound("paper.revoked")
    token = reference_token(rt, row)
    return PaperSheet(
        masked_name(rt, row.person),
        row.issued_at,
        token,
        render_png(token, None, scale=PRINT_SCALE),
    )


def reference_token(rt: Runtime, row: PrintedCode) -> str:
    """The paper's token: signed at its printing time, so every rendering is the same text
    (Ed25519 signatures are deterministic) until the signing key rotates."""
    return issue_reference_token(
        rt.keyring,
        printed_id=bytes.fromhex(row.ref),
        region=rt.settings.region_adcode,
        now=row.issued_at,
    )


def _sheet_secret(rt: Runtime) -> bytes:
    # the sheet's links get a key of their own: a code page's ticket opens no sheet, and back
    return hashlib.sha256(b"health-code paper sheet\x00" + rt.ticket_secret).digest()
