"""注销: a resident deletes their account and records.

What goes at once: the account, the person's code and its history, appeals and corrections,
every family link to and from them, the link of their other accounts (the mini-program) and
the position. Family members they acted for go too when nobody else acts for them and they
have no account of their own: nobody could reach those records any more.

A record that family members still manage (a child who took their record over with a 交接码,
whose parents act for them) is theirs too: erasing the account unlinks it and never deletes it.
The account and the links it made go; the record, its code and history stay with the guardians,
who are told that it is back in their hands (docs/family-transfers.md).

What the region's law keeps for ``retention_days``: declarations and checkpoint scans, with the
identity they belong to (tracing needs a name behind them). Such a person stays as a row marked
``erased_at`` that no lookup can find (its document hash is replaced), no account or family
link reaches, and no re-decision touches; the retention job deletes it with its last record.
A person with nothing the law keeps is deleted outright. The health authorities' records that
named them are theirs: they stay, unmatched, and apply again if the person registers anew.

Paper codes go too (docs/paper-code.md): the people's own, and those they printed for others.

Everything is one unit of work with its audit entry: an erasure is whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from tortoise.expressions import Q
from tortoise.functions import Max

from bot.services import audit
from bot.services.access.sessions import forget_account
from bot.services.codes.paper_revocation import (
    ERASURE,
    revoke_for_people,
    revoke_printed_for_others,
)
from bot.services.notices import outbox
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.appeal import Appeal, CodeOverride
from models.authority import AuthorityRecord
from models.code import CodeChange, HealthCode
from models.declaration import Declaration
from models.person import Account, Guardianship, Person
from models.staff import ScanLog
from models.transfer import TransferCode


@dataclass(frozen=True)
class Erased:
    people: int  # persons erased: the account's own and the family members only it reached
    kept_until: date | None  # the law keeps their declarations and scans until then
    kept_by_family: bool = False  # the account's own record stays: family members manage it


@dataclass(frozen=True)
class ErasurePlan:
    """What an erasure would do, said before the person confirms it."""

    members: int  # family members erased with the account
    kept_by_family: bool


async def erasure_plan(account_id: int) -> ErasurePlan:
    person_id = await _person_of(account_id)
    if person_id is None:
        return ErasurePlan(0, False)
    return ErasurePlan(len(await _only_reached_by(person_id)), await _managed_by_family(person_id))


async def erase_account(rt: Runtime, account_id: int) -> Erased:
    async with UnitOfWork() as uow:
        account = await Account.select_for_update().get_or_none(id=account_id)
        if account is None:  # erased by a message handled a moment ago
            uow.commit()
            return Erased(0, None)
        own = account.person_id
        kept = own is not None and await _managed_by_family(own)
        people = []
        if own is not None:
            people = [*([] if kept else [own]), *await _only_reached_by(own)]
        # what this account filed for people who stay (a member another parent acts for)
        await Declaration.filter(account_id=account.id).update(account_id=None)
        await Appeal.filter(account_id=account.id).update(account_id=None)
        await account.delete()  # its dialogue and notices go with it
        public_ids = await _public_ids(people)
        kept_until = await erase_people(rt, people)
        after = {"kept_until": kept_until.isoformat() if kept_until else None}
        if kept and own is not None:
            after["handed_back"] = await _hand_back(rt, own, account.id)
        await audit.record(
            rt,
            None,
            "account.erase",
            f"account:{account.id}",
            before={"people": public_ids},
            after=after,
        )
        uow.commit()
    forget_account(rt, account_id)  # this process refuses its session token from now on
    return Erased(len(people), kept_until, kept)


async def _managed_by_family(person_id: int) -> bool:
    return await Guardianship.exists(member_id=person_id)


async def _hand_back(rt: Runtime, person_id: int, account_id: int) -> str:
    """The record stays with the guardians: the links the person made go, the person's other
    accounts let go of it, and the guardians are told it is in their hands again."""
    await Guardianship.filter(actor_id=person_id).delete()
    await revoke_printed_for_others(rt, person_id, ERASURE)
    await Account.filter(person_id=person_id).update(person_id=None, current_person_id=None)
    await outbox.queue_family_change(rt, person_id, outbox.HANDED_BACK, event=f"erase:{account_id}")
    return (await Person.get(id=person_id)).public_id


async def _person_of(account_id: int) -> int | None:
    found = await Account.filter(id=account_id).values_list("person_id", flat=True)
    return cast(int | None, found[0]) if found else None  # Tortoise types it as a tuple


async def _only_reached_by(actor_id: int) -> list[int]:
    """The members ``actor_id`` acts for whom no one else acts for and who have no account."""
    # Tortoise types a flat values_list as tuples
    members = cast(
        list[int], await Guardianship.filter(actor_id=actor_id).values_list("member_id", flat=True)
    )
    if not members:
        return []
    others: set[int] = set(
        await Guardianship.filter(member_id__in=members)
        .exclude(actor_id=actor_id)
        .values_list("member_id", flat=True)  # type: ignore[arg-type]
    )
    own = cast(
        list[int], await Account.filter(person_id__in=members).values_list("person_id", flat=True)
    )
    return sorted(set(members) - others - set(own))


async def _public_ids(people: list[int]) -> list[str]:
    if not people:
        return []
    return cast(list[str], await Person.filter(id__in=people).values_list("public_id", flat=True))


async def erase_people(rt: Runtime, people: list[int]) -> date | None:
    if not people:
        return None
    await revoke_for_people(rt, people, ERASURE)
    await CodeOverride.filter(person_id__in=people).delete()
    await TransferCode.filter(person_id__in=people).delete()
    await Appeal.filter(person_id__in=people).delete()
    await HealthCode.filter(person_id__in=people).delete()
    await CodeChange.filter(person_id__in=people).delete()
    await Guardianship.filter(Q(actor_id__in=people) | Q(member_id__in=people)).delete()
    await Account.filter(person_id__in=people).update(person_id=None, current_person_id=None)
    await Account.filter(current_person_id__in=people).update(current_person_id=None)
    await AuthorityRecord.filter(person_id__in=people).update(person_id=None)
    cutoff = rt.now() - timedelta(days=rt.settings.schedules.retention_days)
    await Declaration.filter(person_id__in=people, declared_at__lt=cutoff).delete()
    await ScanLog.filter(person_id__in=people, created_at__lt=cutoff).delete()
    last = await _last_kept_record(people)
    kept = [person for person in people if person in last]
    gone = [person for person in people if person not in last]
    if gone:
        await Person.filter(id__in=gone).delete()
    for person_id in kept:
        # a lookup hash no document has: the person cannot be found, claimed or matched
        public_id = await Person.filter(id=person_id).values_list("public_id", flat=True)
        await Person.filter(id=person_id).update(
            erased_at=rt.now(), doc_lookup=f"erased:{public_id[0]}", district_id=None
        )
    if not last:
        return None
    days = timedelta(days=rt.settings.schedules.retention_days)
    return (max(last.values()) + days).astimezone(rt.ruleset.tz).date()


async def _last_kept_record(people: list[int]) -> dict[int, datetime]:
    """The moment of each person's latest declaration or scan still within retention."""
    last: dict[int, datetime] = {}
    for model, moment in ((Declaration, "declared_at"), (ScanLog, "created_at")):
        rows = (
            await model.filter(person_id__in=people)
            .annotate(latest=Max(moment))
            .group_by("person_id")
            .values_list("person_id", "latest")
        )
        for person_id, latest in rows:
            if latest is not None:
                last[person_id] = max(latest, last.get(person_id, latest))
    return last
