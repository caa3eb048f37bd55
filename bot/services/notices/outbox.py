"""Writing to the outbox (docs/architecture.md, docs/notices.md): a notice is a row in the same
transaction as the change it reports; the sender in ``schedules/`` delivers it. A dedupe key per
event makes a second write of the same event a no-op, so a retried request never sends twice.

Every row is built by ``new_notice``, which gives it its priority and, for the kinds where only
the newest one matters, its subject (docs/notices.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import cast

from bot.health.colors import Color
from bot.services import sql
from bot.services.notices.kinds import (
    AppealReply,
    CodeImage,
    FamilyChanged,
    NoticeKind,
    Payload,
    Text,
    kind_of,
    stored,
)
from bot.services.runtime import Runtime
from models.outbox import Notice
from models.person import Account, Guardianship, Person

# what a family_changed notice reports (bot/services/notices/family_change.py says it)
HANDED_OVER, GUARDIAN_ADDED, HANDED_BACK = "handed_over", "guardian_added", "handed_back"

# The order the sender claims notices in (``Notice.priority``, lowest first). A code that
# turned orange or red, and the code image someone just asked for, go before a million green
# ones; a reminder to declare again goes last.
URGENT, NORMAL, LATER = 0, 1, 2
PRIORITIES = (URGENT, NORMAL, LATER)
# Only the newest of these, per account and person, is worth sending
# (bot/services/notices/coalescing.py).
COALESCED = frozenset({NoticeKind.CODE_CHANGED, NoticeKind.REMINDER})


def new_notice(key: str, account_id: int | None, payload: Payload, now: datetime) -> Notice:
    """An outbox row, due now, with its priority and (for the coalesced kinds) its subject."""
    kind = kind_of(payload)
    return Notice(
        dedupe_key=key,
        account_id=account_id,
        kind=kind.value,
        payload=stored(payload),
        subject=getattr(payload, "person", None) if kind in COALESCED else None,
        priority=priority_of(kind, getattr(payload, "new", None)),
        due_at=now,
        created_at=now,
    )


def priority_of(kind: str, new_color: str | None = None) -> int:
    """A notice's priority; a code change's depends on the colour it moved to."""
    if kind == NoticeKind.CODE_CHANGED:
        return NORMAL if new_color == Color.GREEN.value else URGENT
    if kind == NoticeKind.CODE_IMAGE:  # the code someone asked for, to show at a checkpoint
        return URGENT
    if kind == NoticeKind.REMINDER:
        return LATER
    return NORMAL


async def queue_code_image(rt: Runtime, account_id: int, person: Person, event: str) -> None:
    """The code as an image message: rendered with a fresh token when it is sent."""
    await _queue(rt, account_id, CodeImage(person.public_id), f"{event}:image")


async def queue_text(rt: Runtime, account_id: int, text: str, event: str) -> None:
    await _queue(rt, account_id, Text(text), f"{event}:text")


async def queue_appeal_reply(rt: Runtime, account_id: int, appeal_id: int) -> None:
    """The answer to an appeal, written from the sealed reply when it is sent."""
    await _queue(rt, account_id, AppealReply(appeal_id), f"appeal:{appeal_id}:reply")


async def queue_family_change(
    rt: Runtime,
    person_id: int,
    change: str,
    *,
    event: str,
    actor_id: int | None = None,
    relation: str | None = None,
) -> int:
    """Tell everyone who shows the person's code (their own accounts and their guardians') that
    the record changed hands or gained a guardian; not the accounts of ``actor_id``, the person
    who made the change and saw it happen. ``relation`` is the record's to a new guardian."""
    audience = (await _audience([person_id])).get(person_id, set())
    skip = set()
    if actor_id is not None:
        skip = set(await Account.filter(person_id=actor_id).values_list("id", flat=True))
    own = set(
        cast(list[int], await Account.filter(person_id=person_id).values_list("id", flat=True))
    )
    named = [person_id] if actor_id is None else [person_id, actor_id]
    public = dict(await Person.filter(id__in=named).values_list("id", "public_id"))
    recipients = sorted(audience - skip)
    # stamped: ids of deleted rows come back on SQLite, and the key must stay this event's
    stamp = rt.now().strftime("%Y%m%dT%H%M%S.%f")
    for account_id in recipients:
        added = change == GUARDIAN_ADDED and actor_id is not None
        payload = FamilyChanged(
            person=public[person_id],
            change=change,
            own=account_id in own,
            at=rt.now().isoformat(),
            guardian=public[actor_id] if added and actor_id is not None else None,
            relation=relation if added else None,
        )
        key = f"{event}:{stamp}:{change}:{account_id}"
        await _queue(rt, account_id, payload, key)
    return len(recipients)


async def _queue(rt: Runtime, account_id: int, payload: Payload, key: str) -> None:
    now = rt.now()
    if await Notice.exists(dedupe_key=key):
        return
    # A concurrent writer of the same event makes this insert fail on the unique key, and its
    # whole transaction roll back: the event is still queued exactly once.
    await new_notice(key, account_id, payload, now).save()


async def queue_code_changes(
    rt: Runtime, changes: list[tuple[int, Color | None, Color]], cause: str
) -> int:
    """Tell everyone who shows each changed code: the person's own accounts and the accounts of
    those acting for them, one notice per person and account. Set-based: one statement for
    all the people whose colour made the same move."""
    moves: dict[tuple[str | None, str], list[int]] = defaultdict(list)
    for person_id, old, new in changes:
        moves[(old.value if old else None, new.value)].append(person_id)
    now = rt.now()
    return sum(
        [
            await queue_same_change(person_ids, old, new, cause, now)
            for (old, new), person_ids in moves.items()
        ]
    )


_SAME_CHANGE = """
INSERT INTO notice (dedupe_key, account_id, kind, payload, subject, priority, status, attempts,
                    due_at, created_at)
SELECT $1{text} || r.person_id || ':' || r.account_id, r.account_id, $2,
       {json_object}('person', p.public_id, 'old', $3{text}, 'new', $4{text}, 'cause', $5{text}),
       p.public_id, $6{smallint}, 'pending', 0, $7{moment}, $8{moment}
FROM (
    SELECT a.person_id, a.id AS account_id FROM {ids_own} JOIN account a ON a.person_id = t.id
    UNION
    SELECT g.member_id, a.id FROM {ids_acted_for}
    JOIN guardianship g ON g.member_id = t.id
    JOIN account a ON a.person_id = g.actor_id
) AS r
JOIN person p ON p.id = r.person_id
"""


async def queue_same_change(
    person_ids: list[int], old: str | None, new: str, cause: str, now: datetime
) -> int:
    """The notices of people whose colour moved from ``old`` to ``new`` for the same cause, in
    the caller's transaction; how many were queued. The dedupe key names the event, the person
    and the account, as a person-by-person write would; the subject and priority are
    ``new_notice``'s."""
    if not person_ids:
        return 0
    postgres = sql.is_postgres()
    statement = _SAME_CHANGE.format(
        text="::text" if postgres else "",
        moment="::timestamptz" if postgres else "",
        json_object="jsonb_build_object" if postgres else "json_object",
        smallint="::smallint" if postgres else "",
        ids_own=sql.ids_table("$9"),
        ids_acted_for=sql.ids_table("$10"),
    )
    stamp = now.strftime("%Y%m%dT%H%M%S.%f")
    ids = sql.ids(person_ids)
    return await sql.execute(
        statement,
        f"{cause}:{stamp}:",
        NoticeKind.CODE_CHANGED.value,
        old,
        new,
        cause,
        priority_of(NoticeKind.CODE_CHANGED, new),
        sql.moment_param(now),
        sql.moment_param(now),
        ids,
        ids,
    )


async def _audience(person_ids: list[int]) -> dict[int, set[int]]:
    audience: dict[int, set[int]] = defaultdict(set)
    own = await Account.filter(person_id__in=person_ids).values_list("person_id", "id")
    for person_id, account_id in own:
        audience[person_id].add(account_id)
    links = await Guardianship.filter(member_id__in=person_ids).values_list("member_id", "actor_id")
    actors = {actor for _, actor in links}
    accounts_of_actor: dict[int, list[int]] = defaultdict(list)
    for actor_id, account_id in await Account.filter(person_id__in=actors).values_list(
        "person_id", "id"
    ):
        accounts_of_actor[actor_id].append(account_id)
    for member_id, actor_id in links:
        audience[member_id].update(accounts_of_actor[actor_id])
    return audience
