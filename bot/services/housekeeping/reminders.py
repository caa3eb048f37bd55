"""The daily reminder to declare again: one notice per account and person it shows whose last
declaration is older than the configured age, at most one per account, person and local day
(the dedupe key names the day, so a second run that day, or a new leader's catch-up run,
queues nothing twice).

The people an account shows are its own person and the family members it acts for who have no
account of their own: an elderly parent without a phone (FAQ 18) is reminded through the family
who declares for them. A member with an account of their own is reminded there.

Accounts no message can reach are left out: an official-account follower who has not written
for 48 hours when no reminder template is configured, a mini-program account without a
subscribe template. Which those are the channel adapter knows (``bot.wechat.routes``): the
caller hands in its ``Reachable``. Visited in batches of accounts, a few queries each.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from bot.services.notices.kinds import Reminder
from bot.services.notices.outbox import new_notice
from bot.services.runtime import Runtime
from models.declaration import Declaration
from models.outbox import Notice
from models.person import Account, Guardianship, Person

log = logging.getLogger(__name__)

BATCH = 1000
# Whether a reminder can reach an account of this channel that last wrote at that moment, now.
Reachable = Callable[[str, datetime | None, datetime], bool]


async def queue_reminders(rt: Runtime, reachable: Reachable, batch: int = BATCH) -> int:
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
        reached = [row for row in accounts if reachable(row[2], row[3], now)]
        queued += await _queue(rt, reached, day, now)
        if len(accounts) < batch:
            return queued
        after = accounts[-1][0]


@dataclass(frozen=True)
class _Shown:
    account: int
    person: int
    actor: int | None = None  # set for a family member: whom the account acts as
    relation: str | None = None


async def _queue(
    rt: Runtime, accounts: list[tuple[int, int, str, datetime | None]], day: str, now: datetime
) -> int:
    shown = [_Shown(account, person) for account, person, _, _ in accounts]
    shown += await _members_shown(shown)
    people = {s.person for s in shown}
    fresh = await _declared_since(people, now - rt.settings.schedules.reminder_after)
    due = [s for s in shown if s.person not in fresh]
    if not due:
        return 0
    public = dict(
        await Person.filter(
            id__in={s.person for s in due} | {s.actor for s in due if s.actor}
        ).values_list("id", "public_id")
    )
    keys = {s: _key(day, s, public) for s in due}
    queued_before = set(
        cast(
            list[str],
            await Notice.filter(dedupe_key__in=list(keys.values())).values_list(
                "dedupe_key", flat=True
            ),
        )
    )
    rows = [
        new_notice(keys[s], s.account, _payload(s, public), now)
        for s in due
        if keys[s] not in queued_before
    ]
    if rows:
        # ignore_conflicts: a concurrent run (a leader handing over) cannot queue one twice
        await Notice.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


async def _members_shown(own: list[_Shown]) -> list[_Shown]:
    """The family members these accounts' people act for, when they have no account."""
    accounts_of: dict[int, list[int]] = defaultdict(list)
    for s in own:
        accounts_of[s.person].append(s.account)
    links = await Guardianship.filter(actor_id__in=list(accounts_of)).values_list(
        "actor_id", "member_id", "relation"
    )
    members = {member for _, member, _ in links}
    with_accounts = set(
        await Account.filter(person_id__in=members).values_list("person_id", flat=True)
    )
    return [
        _Shown(account, member, actor, relation)
        for actor, member, relation in links
        if member not in with_accounts
        for account in accounts_of[actor]
    ]


def _key(day: str, shown: _Shown, public: dict[int, str]) -> str:
    own = f"reminder:{day}:{shown.account}"
    return own if shown.actor is None else f"{own}:{public[shown.person]}"


def _payload(shown: _Shown, public: dict[int, str]) -> Reminder:
    if shown.actor is None:
        return Reminder(public[shown.person])
    return Reminder(public[shown.person], public[shown.actor], shown.relation)


async def _declared_since(people: set[int], since: datetime) -> set[int]:
    if not people:
        return set()
    found = await Declaration.filter(person_id__in=people, declared_at__gte=since).values_list(
        "person_id", flat=True
    )
    return set(cast(list[int], found))  # Tortoise types a flat values_list as tuples


async def remind_to_declare(rt: Runtime, reachable: Reachable) -> int:
    queued = await queue_reminders(rt, reachable)
    age = rt.settings.schedules.reminder_after.days
    log.info("daily reminder: %d reminders queued (last declaration over %d days ago)", queued, age)
    return queued
