"""The ID-card lane (docs/lookup.md): a checkpoint worker looks a person up by document number
when they have no code to show, and is answered as a scan would be.

A lookup is what leaks data when abused (who has which colour, by number), so every one is
logged, whatever it found, with the keyed hash of the number and never the number; the
handler holds each worker to a limit of its own, tighter than the scans'.
"""

from __future__ import annotations

from datetime import date

from bot.health.errors import InvalidInput
from bot.health.identity import DocType, parse_document
from bot.services.access.staff import StaffView
from bot.services.checkpoint.scan import ScanResult, live_result
from bot.services.codes.hot_reads import code_by_document
from bot.services.errors import Malformed, NotFound
from bot.services.residents.people import lookup_key
from bot.services.runtime import Runtime
from models.lookup import LookupLog

UNKNOWN, MALFORMED = "unknown", "malformed"


class MalformedDocument(Malformed):
    """A number no document of its type can have (a wrong checksum, a birth date in the
    future): the worker mistyped it. ``field`` names the request's field."""


async def lookup(
    rt: Runtime,
    staff: StaffView,
    doc_type: DocType,
    raw_number: str,
    temperature: float | None,
    place: str | None,
) -> ScanResult:
    """The live code of the person with this document; NotFound when nobody has it here.
    Logged first, in its own statement, so a refusal is on record too."""
    try:
        number = parse_document(doc_type, raw_number, _today(rt))
    except InvalidInput as exc:
        await _log(rt, staff, None, MALFORMED, None, place)
        raise MalformedDocument(exc.code, field="doc_number", **exc.params) from None
    key = lookup_key(rt, doc_type, number)
    code = await code_by_document(key)
    if code is None:
        await _log(rt, staff, key, UNKNOWN, None, place)
        raise NotFound("lookup.not_found", hotline=rt.settings.hotline)
    result = live_result(rt, code, temperature)
    await _log(rt, staff, key, result.verdict, code.color, place)
    return result


def _today(rt: Runtime) -> date:
    return rt.now().astimezone(rt.ruleset.tz).date()


async def _log(
    rt: Runtime,
    staff: StaffView,
    doc_hash: str | None,
    outcome: str,
    color: str | None,
    place: str | None,
) -> None:
    await LookupLog.create(
        staff_id=staff.id,
        doc_hash=doc_hash,
        outcome=outcome,
        color=color,
        place=(place or "")[:64] or None,
        created_at=rt.now(),
    )
