"""The audit trail of officials' and the system's actions (docs/architecture.md)."""

from __future__ import annotations

from typing import Any

from bot.services.runtime import Runtime
from models.audit import AuditEntry


async def record(
    rt: Runtime,
    staff_id: int | None,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
) -> None:
    """Write one entry in the caller's unit of work, so the entry and the change it describes
    are written or lost together. Name people by their public id, never by name or document."""
    await AuditEntry.create(
        staff_id=staff_id,
        action=action,
        target=target,
        before=before,
        after=after,
        created_at=rt.now(),
    )
