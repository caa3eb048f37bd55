"""Revoking paper codes (docs/paper-code.md): by a reprint, by 注销, and when the family link
of the guardian who printed one ends. Each revocation writes its audit entry in the caller's
unit of work, so a paper is revoked exactly when the change that revokes it is written."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from bot.services import audit
from bot.services.runtime import Runtime
from models.paper import PrintedCode
from models.person import Person

REPRINT, ERASURE, UNLINK = "reprint", "erasure", "unlink"


async def revoke_for_people(rt: Runtime, people: list[int], cause: str) -> int:
    """Revoke the papers of ``people`` and those they printed for others (注销: whoever holds
    such a sheet shows a code its guardian no longer answers for); in the caller's unit of
    work."""
    if not people:
        return 0
    papers = PrintedCode.filter(Q(person_id__in=people) | Q(printed_by_id__in=people))
    return await revoke(rt, papers, cause)


async def revoke_printed_for_others(rt: Runtime, actor_id: int, cause: str) -> int:
    """Revoke what ``actor_id`` printed (its record stays, its account and family links go)."""
    return await revoke(rt, PrintedCode.filter(printed_by_id=actor_id), cause)


async def revoke_printed_by(rt: Runtime, actor_id: int, member_id: int, cause: str) -> int:
    """Revoke what ``actor_id`` printed for ``member_id`` (the family link between them ends);
    call inside the caller's unit of work."""
    printed = PrintedCode.filter(person_id=member_id, printed_by_id=actor_id)
    return await revoke(rt, printed, cause)


async def revoke(rt: Runtime, printed: QuerySet[PrintedCode], cause: str) -> int:
    rows = await printed.filter(revoked_at__isnull=True).values_list("id", "person_id")
    if not rows:
        return 0
    now = rt.now()
    await PrintedCode.filter(id__in=[row_id for row_id, _ in rows]).update(
        revoked_at=now, revoked_cause=cause
    )
    owners = dict(await Person.filter(id__in=[p for _, p in rows]).values_list("id", "public_id"))
    for row_id, person_id in rows:
        target = f"person:{owners.get(person_id, person_id)}"
        await audit.record(
            rt, None, "paper.revoke", target, after={"printed": row_id, "cause": cause}
        )
    return len(rows)
