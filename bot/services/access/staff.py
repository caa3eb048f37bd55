"""Checkpoint workers and officials: their bearer tokens, shown once and stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from bot.services.access.credentials import MISSING, CachedStaff
from bot.services.codes.hot_reads import staff_by_token_hash
from bot.services.errors import Forbidden, NoCredentials, Unauthorised
from bot.services.runtime import Runtime
from models.staff import Staff


class Role(StrEnum):
    """``Staff.role``: the values are the words stored."""

    CHECKPOINT = "checkpoint"  # scans codes and looks people up
    OFFICIAL = "official"  # tiers, feeds, appeals, broadcasts, the console


ROLES = tuple(Role)


@dataclass(frozen=True)
class StaffView:
    id: int
    name: str
    role: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_staff(name: str, role: str) -> tuple[StaffView, str]:
    """Create a staff member; the token is returned once and only its hash is kept."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise ValueError("a name of 1 to 64 characters is needed")
    token = f"hc_{role[:2]}_{secrets.token_urlsafe(32)}"
    staff = await Staff.create(name=name, role=role, token_hash=_hash(token))
    return StaffView(staff.id, staff.name, staff.role), token


async def authenticate(rt: Runtime, token: str | None, role: str) -> StaffView:
    """The active staff member the token belongs to, in ``role``. What the database said is
    kept for a few seconds (``bot.services.access.credentials``): a deactivation takes that long."""
    if not token:
        raise NoCredentials("auth.missing")
    staff = await _active_staff(rt, _hash(token))
    if staff is None:
        raise Unauthorised("auth.invalid")
    if staff.role != role:
        raise Forbidden("auth.wrong_role")
    return StaffView(staff.id, staff.name, staff.role)


async def _active_staff(rt: Runtime, token_hash: str) -> CachedStaff | None:
    cache = rt.credentials.staff
    cached = cache.get(token_hash)
    if cached is not MISSING:
        return cached
    row = await staff_by_token_hash(token_hash)
    staff = CachedStaff(row.id, row.name, row.role) if row is not None and row.active else None
    cache.put(token_hash, staff)
    return staff
