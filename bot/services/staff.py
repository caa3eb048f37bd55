"""Checkpoint workers and officials: their bearer tokens, shown once and stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from bot.services.errors import Forbidden, Unauthorised
from models.staff import Staff

ROLES = ("checkpoint", "official")


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


async def authenticate(token: str | None, role: str) -> StaffView:
    if not token:
        raise Unauthorised("auth.missing")
    staff = await Staff.get_or_none(token_hash=_hash(token), active=True)
    if staff is None:
        raise Unauthorised("auth.invalid")
    if staff.role != role:
        raise Forbidden("auth.wrong_role")
    return StaffView(staff.id, staff.name, staff.role)
