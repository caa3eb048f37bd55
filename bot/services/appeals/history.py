"""A resident's own appeals for one person, with the answers: what the mini-program shows, so an
answer reaches its reader even when the pushed notice could not (no subscription, no template).

Only the appeals this account filed: a second parent acting for the same child does not read
the first parent's words or the answers given to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.appeals.filing import REPLY, TEXT
from bot.services.errors import NotFound
from bot.services.family.members import reachable_person
from bot.services.runtime import Runtime
from models.appeal import Appeal

MAX_SHOWN = 20


@dataclass(frozen=True)
class AppealRecord:
    id: int
    person_id: str  # the person's public id
    text: str
    status: str
    decision: str | None
    reply: str | None
    created_at: datetime
    resolved_at: datetime | None


async def appeal_history(rt: Runtime, account_id: int, person_id: str | None) -> list[AppealRecord]:
    """The account's appeals for its own person (``None``) or a member it acts for, newest first."""
    try:
        person = await reachable_person(account_id, person_id)
    except NotFound:
        if person_id is None:
            return []  # nobody declared yet, so nothing appealed: not an error
        raise
    rows = (
        await Appeal.filter(person_id=person.id, account_id=account_id)
        .order_by("-created_at", "-id")
        .limit(MAX_SHOWN)
    )
    return [
        AppealRecord(
            id=row.id,
            person_id=person.public_id,
            text=rt.sealer.open(row.text_sealed, TEXT),
            status=row.status,
            decision=row.decision,
            reply=rt.sealer.open(row.reply_sealed, REPLY) if row.reply_sealed else None,
            created_at=row.created_at,
            resolved_at=row.resolved_at,
        )
        for row in rows
    ]
