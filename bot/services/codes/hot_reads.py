"""The rush hour's reads: a scan, the code page's refresh, the mini-program's code, and the
credentials in front of them. One parameterised statement each, run on Tortoise's own
connection (inside a unit of work it is the transaction's), with no query builder and no model
objects: under load, building and hydrating Tortoise queries cost most of a scan
(bench/README.md). The code, its person and the live colour come back in one row.

The SQL is written as ``bot.services.sql`` reads it (``$n`` placeholders, each once and in
order); every statement here is a point read, through ``sql.one``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from bot.services import sql
from bot.services.sql import json_value, moment


@dataclass(frozen=True, slots=True)
class ScannedCode:
    """What a checkpoint is shown of a code: the live colour and whose it is."""

    person_id: int
    name_sealed: str
    color: str
    reasons: list[dict[str, str]]


@dataclass(frozen=True, slots=True)
class ScannedPaper:
    """A paper code's row, and the live code of its person unless it was revoked."""

    revoked: bool
    code: ScannedCode | None


@dataclass(frozen=True, slots=True)
class LiveCode:
    """A person's code with what its view needs: the person, the district, the decision."""

    person_id: int
    public_id: str
    name_sealed: str
    district_id: int | None
    code_id: str | None  # None: the person has no code yet
    color: str | None
    reasons: list[dict[str, str]]
    rules_version: str | None
    decided_at: datetime | None
    valid_until: datetime | None
    district_name: str | None
    district_name_en: str | None
    district_tier: str | None


@dataclass(frozen=True, slots=True)
class TrustedRow:
    adcode: int
    name: str
    name_en: str
    keys: list[dict[str, str]]
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: int
    name: str
    role: str
    active: bool


_SCAN = """
SELECT p.id AS person_id, p.name_sealed, c.color, c.reasons
FROM health_code c JOIN person p ON p.id = c.person_id
WHERE c.code_id = $1
"""

# a paper code (docs/paper-code.md): its row and its person's live colour in one statement
_PAPER = """
SELECT pc.person_id, pc.revoked_at, p.name_sealed, c.color, c.reasons
FROM printed_code pc JOIN person p ON p.id = pc.person_id
LEFT JOIN health_code c ON c.person_id = p.id
WHERE pc.ref = $1
"""

# the ID-card lane (docs/lookup.md): a person by the keyed hash of their document, with the
# live colour; an erased person's hash was replaced, so they are found by nobody
_BY_DOCUMENT = """
SELECT p.id AS person_id, p.name_sealed, c.color, c.reasons
FROM person p JOIN health_code c ON c.person_id = p.id
WHERE p.doc_lookup = $1 AND p.erased_at IS NULL
"""

_LIVE_COLUMNS = """
SELECT p.id AS person_id, p.public_id, p.name_sealed, p.district_id,
       c.code_id, c.color, c.reasons, c.rules_version, c.decided_at, c.valid_until,
       d.name AS district_name, d.name_en AS district_name_en, d.tier AS district_tier
"""
_LIVE_JOINS = """
LEFT JOIN health_code c ON c.person_id = p.id
LEFT JOIN district d ON d.adcode = p.district_id
"""

_BY_PERSON = _LIVE_COLUMNS + "FROM person p" + _LIVE_JOINS + "WHERE p.id = $1"
_BY_PUBLIC_ID = _LIVE_COLUMNS + "FROM person p" + _LIVE_JOINS + "WHERE p.public_id = $1"

# The person an account is acting as (accounts.current): the family member it chose while its
# own person still acts for them, else its own person.
_CURRENT_OF_ACCOUNT = (
    _LIVE_COLUMNS
    + """
FROM account a
JOIN person p ON p.id = CASE
    WHEN a.current_person_id IS NOT NULL AND a.current_person_id <> a.person_id
         AND EXISTS (SELECT 1 FROM guardianship g
                     WHERE g.actor_id = a.person_id AND g.member_id = a.current_person_id)
    THEN a.current_person_id ELSE a.person_id END
"""
    + _LIVE_JOINS
    + "WHERE a.id = $1"
)

# A person an account may show (family.reachable_person): its own, or one its own person acts for.
_REACHABLE_OF_ACCOUNT = (
    _LIVE_COLUMNS
    + """
FROM account a
JOIN person p ON p.public_id = $1 AND (
    p.id = a.person_id
    OR EXISTS (SELECT 1 FROM guardianship g WHERE g.actor_id = a.person_id AND g.member_id = p.id)
)
"""
    + _LIVE_JOINS
    + "WHERE a.id = $2"
)

_TRUSTED = "SELECT adcode, name, name_en, keys, expires_at FROM trusted_region"
_STAFF = "SELECT id, name, role, active FROM staff WHERE token_hash = $1"
_MINIAPP_ACCOUNT = "SELECT id, lang FROM account WHERE id = $1 AND channel = $2"


async def scanned_code(code_id: str) -> ScannedCode | None:
    row = await sql.one(_SCAN, code_id)
    if row is None:
        return None
    return _scanned(row)


async def code_by_document(doc_lookup: str) -> ScannedCode | None:
    row = await sql.one(_BY_DOCUMENT, doc_lookup)
    if row is None:
        return None
    return _scanned(row)


async def scanned_paper(ref: str) -> ScannedPaper | None:
    row = await sql.one(_PAPER, ref)
    if row is None:
        return None
    if row["revoked_at"] is not None or row["color"] is None:
        return ScannedPaper(row["revoked_at"] is not None, None)
    return ScannedPaper(False, _scanned(row))


async def live_code_of_person(person_id: int) -> LiveCode | None:
    return _live(await sql.one(_BY_PERSON, person_id))


async def live_code_by_public_id(public_id: str) -> LiveCode | None:
    return _live(await sql.one(_BY_PUBLIC_ID, public_id))


async def current_live_code(account_id: int) -> LiveCode | None:
    """The code of the person the account acts as; None when it has no person yet."""
    return _live(await sql.one(_CURRENT_OF_ACCOUNT, account_id))


async def reachable_live_code(account_id: int, public_id: str) -> LiveCode | None:
    """The code of ``public_id`` if the account may show it, else None."""
    return _live(await sql.one(_REACHABLE_OF_ACCOUNT, public_id, account_id))


async def trusted_regions() -> list[TrustedRow]:
    """The whole trust list (a handful of rows), for the per-process cache of its keys."""
    return [_trusted(row) for row in await sql.fetch(_TRUSTED)]


def _trusted(row: sql.Row) -> TrustedRow:
    expires_at = moment(row["expires_at"])  # NOT NULL
    keys = json_value(row["keys"])
    return TrustedRow(row["adcode"], row["name"], row["name_en"], keys, expires_at)


async def staff_by_token_hash(token_hash: str) -> StaffRow | None:
    row = await sql.one(_STAFF, token_hash)
    if row is None:
        return None
    return StaffRow(row["id"], row["name"], row["role"], bool(row["active"]))


async def account_language(account_id: int, channel: str) -> str | None:
    """The language of the account, or None when no such account (of that channel) exists."""
    row = await sql.one(_MINIAPP_ACCOUNT, account_id, channel)
    return None if row is None else row["lang"]


def _scanned(row: sql.Row) -> ScannedCode:
    return ScannedCode(row["person_id"], row["name_sealed"], row["color"], _reasons(row["reasons"]))


def _live(row: sql.Row | None) -> LiveCode | None:
    if row is None:
        return None
    return LiveCode(
        person_id=row["person_id"],
        public_id=row["public_id"],
        name_sealed=row["name_sealed"],
        district_id=row["district_id"],
        code_id=row["code_id"],
        color=row["color"],
        reasons=_reasons(row["reasons"]) if row["reasons"] is not None else [],
        rules_version=row["rules_version"],
        decided_at=moment(row["decided_at"]),
        valid_until=moment(row["valid_until"]),
        district_name=row["district_name"],
        district_name_en=row["district_name_en"],
        district_tier=row["district_tier"],
    )


def _reasons(value: Any) -> list[dict[str, str]]:
    """A code's reasons: JSON text on SQLite (read with orjson: a quarter of the standard
    library's time), already a list from PostgreSQL's ``jsonb``."""
    reasons: list[dict[str, str]] = orjson.loads(value) if isinstance(value, str | bytes) else value
    return reasons
