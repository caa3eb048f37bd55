"""申诉: a resident asks officials to correct a colour (FAQ 14). The text is sealed at rest; an
official reads and answers it (docs/architecture.md).

This module is the residents' side: filing, and the last answer the chat repeats. Officials
list appeals with ``appeal_list`` and answer them with ``appeal_answers``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.health.errors import InvalidInput
from bot.services import audit
from bot.services.errors import ServiceError
from bot.services.family.members import reachable_person
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.appeal import Appeal
from models.person import Person

TEXT = "appeal.text"
REPLY = "appeal.reply"
MAX_TEXT_LENGTH = 500


class AppealStatus(StrEnum):
    """``Appeal.status``: the values are the words stored."""

    OPEN = "open"
    RESOLVED = "resolved"


class Decision(StrEnum):
    """``Appeal.decision``: the values are the words stored."""

    ACCEPT = "accept"
    REJECT = "reject"


@dataclass(frozen=True)
class AppealView:
    id: int
    person_id: str  # the person's public id
    status: str
    created_at: datetime


# --- residents ------------------------------------------------------------------------------


async def file_appeal(rt: Runtime, account_id: int, person_id: str | None, text: str) -> AppealView:
    """File an appeal for the account's own person (``None``) or a family member it acts for;
    a person has at most one open appeal at a time."""
    text = _checked_text(text)
    async with UnitOfWork() as uow:
        person = await reachable_person(account_id, person_id)
        # the person's row serialises two filings at once (PostgreSQL; SQLite runs one writer)
        await Person.select_for_update().get(id=person.id)
        await _refuse_a_second(person)
        appeal = await Appeal.create(
            person_id=person.id,
            account_id=account_id,
            text_sealed=rt.sealer.seal(text, TEXT),
            status=AppealStatus.OPEN,
            created_at=rt.now(),
        )
        after = {"person": person.public_id, "account": account_id}
        await audit.record(rt, None, "appeal.file", f"appeal:{appeal.id}", after=after)
        uow.commit()
    return AppealView(appeal.id, person.public_id, appeal.status, appeal.created_at)


@dataclass(frozen=True)
class Answered:
    """The answer to the account's latest appeal for a person, as the resident reads it."""

    decision: str
    reply: str
    filed: datetime
    resolved_at: datetime


async def check_may_appeal(rt: Runtime, account_id: int, person_id: str | None) -> Answered | None:
    """Refuse before the dialogue asks for a text: nobody to appeal for, or one already open.
    Otherwise the answer to the account's last appeal for the person, if any: a reply notice
    can miss its reader (the platform's 48-hour window), so the chat shows it again here."""
    person = await reachable_person(account_id, person_id)
    await _refuse_a_second(person)
    last = (
        await Appeal.filter(
            person_id=person.id, account_id=account_id, status=AppealStatus.RESOLVED
        )
        .order_by("-resolved_at", "-id")
        .first()
    )
    if last is None or last.reply_sealed is None or last.resolved_at is None:
        return None
    reply = rt.sealer.open(last.reply_sealed, REPLY)
    return Answered(last.decision or Decision.REJECT, reply, last.created_at, last.resolved_at)


async def _refuse_a_second(person: Person) -> None:
    if await Appeal.exists(person_id=person.id, status=AppealStatus.OPEN):
        raise ServiceError("appeals.already_open")


def parse_appeal_text(raw: str) -> str:
    return _checked_text(raw)


def _checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("appeals.text_empty", field="text")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput("appeals.text_too_long", max=MAX_TEXT_LENGTH, field="text")
    return text
