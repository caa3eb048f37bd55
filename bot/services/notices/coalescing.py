"""Of the notices of one account about one person (code changes, reminders), only the newest
is worth sending (docs/notices.md).

A tier change over a district queues a notice per person; a second change before the first
went out (the tier back down, a feed that moves them again, a quota that paused the sender)
queues another. The person should hear the latest state once, never two stale ones. It is
decided when the sender claims rows, for the groups (account, kind, subject) of what it claimed:

- every open row older than its group's newest row is superseded: it ends ``skipped`` and is
  never sent (a row another sender holds locked is left to that sender, which decides the same);
- the newest row is sent when it is due, unless a row of its group is in flight under another
  sender's live lease: it waits for that send to end, so nobody reads the news out of order;
- a code change tells the change from what the person was last told to the latest colour:
  where the changes queued since the last one sent follow on from each other, from the colour
  the first of them started from. When that is the latest colour there is nothing to tell:
  the newest row is superseded too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any

from tortoise.functions import Max
from tortoise.queryset import QuerySet

from bot.services.notices.kinds import NoticeKind, NoticeStatus
from models.outbox import Notice

GroupKey = tuple[int, str, str]  # account id, kind, subject


@dataclass(frozen=True)
class OpenRow:
    id: int
    status: str
    due_at: datetime


@dataclass(frozen=True)
class Group:
    """What the claim needs to know of one group: its newest row, its open rows and, for a code
    change, the colour the person was last told."""

    newest: int
    open_rows: tuple[OpenRow, ...]
    told: str | None = None


@dataclass(frozen=True)
class Verdict:
    stale: tuple[int, ...]  # open rows to end as superseded
    newest: int
    wait: bool  # a row of the group is in flight under a live lease


def decide(group: Group, now: datetime) -> Verdict:
    in_flight = {
        r.id for r in group.open_rows if r.status == NoticeStatus.SENDING and r.due_at > now
    }
    stale = tuple(r.id for r in group.open_rows if r.id < group.newest and r.id not in in_flight)
    return Verdict(stale, group.newest, bool(in_flight))


@dataclass
class Settled:
    """What becomes of a claim's candidates: sent (``claim``, payloads brought up to date),
    left for later (neither list), or ended as ``superseded`` (with other stale rows)."""

    claim: list[Notice] = field(default_factory=list)
    superseded: set[int] = field(default_factory=set)
    nothing_new: set[int] = field(default_factory=set)  # newest rows with nothing to tell
    retold: list[Notice] = field(default_factory=list)  # claimed rows whose payload was changed


async def settle(candidates: list[Notice], now: datetime) -> Settled:
    keyed = [row for row in candidates if _key(row) is not None]
    if not keyed:
        return Settled(claim=list(candidates))
    groups = await _groups({_key(row) for row in keyed})  # type: ignore[misc]
    verdicts = {key: decide(group, now) for key, group in groups.items()}
    settled = Settled()
    for verdict in verdicts.values():
        settled.superseded.update(verdict.stale)
    for row in candidates:
        key = _key(row)
        if key is None:
            settled.claim.append(row)
            continue
        verdict = verdicts[key]
        if row.id in settled.superseded or row.id != verdict.newest or verdict.wait:
            continue
        if row.kind == NoticeKind.CODE_CHANGED:
            told = groups[key].told
            if told is not None and told == row.payload.get("new"):
                settled.nothing_new.add(row.id)
                continue
            if told != row.payload.get("old"):
                row.payload = {**row.payload, "old": told}
                settled.retold.append(row)
        settled.claim.append(row)
    return settled


def _key(row: Notice) -> GroupKey | None:
    if row.subject is None or row.account_id is None:
        return None
    return (row.account_id, row.kind, row.subject)


async def _groups(keys: set[GroupKey]) -> dict[GroupKey, Group]:
    """Three index reads over (account_id, subject), however many groups the claim touched."""
    scope = Notice.filter(
        account_id__in={k[0] for k in keys},
        kind__in={k[1] for k in keys},
        subject__in={k[2] for k in keys},
    )
    newest = await _newest(scope)
    open_rows: dict[GroupKey, list[OpenRow]] = defaultdict(list)
    for row in await scope.filter(status__in=(NoticeStatus.PENDING, NoticeStatus.SENDING)).values(
        "id", "account_id", "kind", "subject", "status", "due_at"
    ):
        open_rows[_key_of(row)].append(OpenRow(row["id"], row["status"], row["due_at"]))
    told = (
        await _told(scope, keys) if any(key[1] == NoticeKind.CODE_CHANGED for key in keys) else {}
    )
    return {
        key: Group(newest[key], tuple(open_rows[key]), told.get(key))
        for key in keys
        if key in newest
    }


async def _newest(scope: QuerySet[Notice]) -> dict[GroupKey, int]:
    rows = (
        await scope.annotate(newest=Max("id"))
        .group_by("account_id", "kind", "subject")
        .values("account_id", "kind", "subject", "newest")
    )
    return {_key_of(row): row["newest"] for row in rows}


async def _told(scope: QuerySet[Notice], keys: set[GroupKey]) -> dict[GroupKey, str | None]:
    history: dict[GroupKey, list[Change]] = defaultdict(list)
    rows = (
        await scope.filter(kind=NoticeKind.CODE_CHANGED)
        .order_by("id")
        .values("account_id", "kind", "subject", "status", "payload")
    )
    for row in rows:
        payload = row["payload"]
        history[_key_of(row)].append(Change(row["status"], payload.get("old"), payload["new"]))
    return {key: told_colour(changes) for key, changes in history.items() if key in keys}


@dataclass(frozen=True)
class Change:
    status: str
    old: str | None
    new: str


def told_colour(history: list[Change]) -> str | None:
    """The colour a person was last told, for a group's code changes oldest first (the newest,
    about to be sent, last): where the changes queued since the last one sent follow on from
    each other, the colour the first of them started from. If they do not (the colour moved
    another way between them, say a declaration whose reply told it), nothing is collapsed:
    the newest change's own starting colour."""
    sent = [n for n, change in enumerate(history) if change.status == NoticeStatus.SENT]
    unsent = history[sent[-1] + 1 :] if sent else history
    if not unsent:
        return history[-1].new
    follows_on = all(b.old == a.new for a, b in pairwise(unsent))
    return unsent[0].old if follows_on else unsent[-1].old


def _key_of(row: dict[str, Any]) -> GroupKey:
    return (row["account_id"], row["kind"], row["subject"])
