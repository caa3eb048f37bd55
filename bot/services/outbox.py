"""Writing to the outbox (DESIGN.md §8): a notice is a row in the same transaction as the change
it reports; the sender in ``schedules/`` delivers it. A dedupe key per event makes a second
write of the same event a no-op, so a retried request never sends twice."""

from __future__ import annotations

from bot.services.runtime import Runtime
from models.outbox import Notice
from models.person import Account, Person

CODE_IMAGE, TEXT = "code_image", "text"


async def queue_code_image(rt: Runtime, account: Account, person: Person, event: str) -> None:
    """The code as an image message: rendered with a fresh token when it is sent."""
    await _queue(rt, account, CODE_IMAGE, {"person": person.public_id}, f"{event}:image")


async def queue_text(rt: Runtime, account: Account, text: str, event: str) -> None:
    await _queue(rt, account, TEXT, {"text": text}, f"{event}:text")


async def _queue(rt: Runtime, account: Account, kind: str, payload: dict, key: str) -> None:
    now = rt.now()
    if await Notice.exists(dedupe_key=key):
        return
    # A concurrent writer of the same event makes this insert fail on the unique key, and its
    # whole transaction roll back: the event is still queued exactly once.
    await Notice.create(
        dedupe_key=key,
        account_id=account.id,
        kind=kind,
        payload=payload,
        due_at=now,
        created_at=now,
    )
