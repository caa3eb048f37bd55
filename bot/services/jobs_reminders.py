"""The daily reminder to declare again: one notice per account whose own person last declared
longer ago than the configured age, at most one per account and local day (the dedupe key
names the day, so a second run that day, or a new leader's catch-up run, queues nothing twice).

Accounts no message can reach are left out: an official-account follower who has not written
for 48 hours when no reminder template is configured, a mini-program account without a
subscribe template. Visited in batches of accounts, a few queries each.
"""

from __future__ import annotations

from datetime import datetime

from bot.services.notices_routes import Unroutable, route
from bot.services.outbox import REMINDER
from bot.services.runtime import Runtime
from models.declaration import Declaration
from models.outbox import Notice
from models.person import Account, Person

BATCH = 1000


async def queue_reminders(rt: Runtime, batch: int = BATCH) -> int:
    now = rt.now()
    day = now.astimezone(rt.ruleset.tz).date().isoformat()
    queued, after = 0, 0
    while True:
        accounts = await (
            Account.filter(id__gt=after, person_id__isnull=False)
            .order_by("id")
            .limit(batch)
            .values_list("id", "person_id", "channel", "last_message_at")
        )
        reachable = [row for row in accounts if _reachable(rt, row[2], row[3], now)]
        queued += await _queue(rt, reachable, day, now)
        if len(accounts) < batch:
            return queued
        after = accounts[-1][0]


def _reachable(rt: Runtime, channel: str, last_message_at: datetime | None, now: datetime) -> bool:
    try:
        route(REMINDER, channel, last_message_at, now, rt.settings)
    except Unroutable:
        return False
    return True


async def _queue(rt: Runtime, accounts: list[tuple], day: str, now: datetime) -> int:
    people = {person for _, person, _, _ in accounts}
    fresh = await _declared_since(people, now - rt.settings.schedules.reminder_after)
    due = {account: person for account, person, _, _ in accounts if person not in fresh}
    if not due:
        return 0
    keys = {account: f"reminder:{day}:{account}" for account in due}
    queued_before = set(
        await Notice.filter(dedupe_key__in=list(keys.values())).values_list("dedupe_key", flat=True)
    )
    public = dict(await Person.filter(id__in=set(due.values())).values_list("id", "public_id"))
    rows = [
        Notice(
            dedupe_key=keys[account],
            account_id=account,
            kind=REMINDER,
            payload={"person": public[person]},
            due_at=now,
            created_at=now,
        )
        for account, person in due.items()
        if keys[account] not in queued_before
    ]
    if rows:
        # ignore_conflicts: a concurrent run (a leader handing over) cannot queue one twice
        await Notice.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


async def _declared_since(people: set[int], since: datetime) -> set[int]:
    if not people:
        return set()
    found = await Declaration.filter(person_id__in=people, declared_at__gte=since).values_list(
        "person_id", flat=True
    )
    return set(found)
