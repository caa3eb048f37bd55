"""Checking one record of a health authority's feed: every field, with the field named when
it is refused; the document is reduced to its keyed hash here and never kept.

``since`` and ``until`` take a day (``2026-12-01``) or an RFC 3339 instant with its offset
(``2026-12-01T18:00:00+08:00``), and are kept as instants: a day starts at local midnight,
and a quarantine's ``until`` day is its last, so it ends at the midnight after it; an instant
is exact (a quarantine that ends at 18:00 turns the code green at the expiry job's next run
after 18:00)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from bot.health.errors import InvalidInput
from bot.health.identity import DocType, parse_document
from bot.health.rules import ENDING_STATUSES, RISK_STATUSES
from bot.services.residents.people import lookup_key
from bot.services.runtime import Runtime

STATUSES = RISK_STATUSES | ENDING_STATUSES
MAX_SOURCE, MAX_RECORD_ID = 64, 128
# a file's line can carry what JSON's body check refuses: NUL (which PostgreSQL cannot store),
# other control characters, and lone surrogates (which a text column cannot hold)
_UNSTORABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


@dataclass(frozen=True)
class FeedRecord:
    """A checked record. The document number itself is not kept: only its keyed hash."""

    record_id: str
    doc_lookup: str
    status: str
    since: datetime  # in UTC, when the record applies from
    until: datetime | None  # in UTC, when a quarantine ends


def parse_source(raw: str) -> str:
    if not raw.strip():
        raise InvalidInput("api.missing", field="source")
    if len(raw.strip()) > MAX_SOURCE:
        raise InvalidInput("feeds.source", field="source", max=MAX_SOURCE)
    if _UNSTORABLE.search(raw):
        raise InvalidInput("api.control_characters", field="source")
    return raw.strip()


def parse_record(rt: Runtime, raw: object, today: date) -> FeedRecord:
    """Check one record; raises ``InvalidInput`` whose ``field`` param names the bad field.
    ``today`` is the local date the document's checks are made on."""
    if isinstance(raw, InvalidInput):
        raise raw
    if not isinstance(raw, dict):
        raise InvalidInput("feeds.not_object")
    record_id = _record_id(raw.get("record_id"))
    doc_type = _doc_type(raw.get("doc_type"))
    number = _document(doc_type, raw.get("doc_number"), today)
    status = _status(raw.get("status"))
    tz = rt.ruleset.tz
    since = _moment(raw.get("since"), "since", tz, last_day=False)
    if since is None:
        raise InvalidInput("api.missing", field="since")
    if since > rt.now():
        raise InvalidInput("feeds.since_future", field="since")
    until = _moment(raw.get("until"), "until", tz, last_day=True)
    if until is None and status == "quarantine":
        raise InvalidInput("feeds.until_missing", field="until")
    if until is not None and until <= since:
        raise InvalidInput("feeds.until_before_since", field="until")
    return FeedRecord(record_id, lookup_key(rt, doc_type, number), status, since, until)


def _record_id(raw: object) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("api.missing", field="record_id")
    if len(raw.strip()) > MAX_RECORD_ID:
        raise InvalidInput("feeds.record_id", field="record_id", max=MAX_RECORD_ID)
    if _UNSTORABLE.search(raw):
        raise InvalidInput("api.control_characters", field="record_id")
    return raw.strip()


def _doc_type(raw: object) -> DocType:
    try:
        return DocType(raw.strip().lower() if isinstance(raw, str) else str(raw))
    except ValueError:
        choices = ", ".join(d.value for d in DocType)
        raise InvalidInput("feeds.doc_type", field="doc_type", choices=choices) from None


def _document(doc_type: DocType, raw: object, today: date) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput("api.missing", field="doc_number")
    try:
        return parse_document(doc_type, raw, today)
    except InvalidInput as exc:
        exc.params.setdefault("field", "doc_number")
        raise


def _status(raw: object) -> str:
    status = raw.strip().lower() if isinstance(raw, str) else raw
    if status not in STATUSES:
        raise InvalidInput("feeds.status", field="status", choices=", ".join(sorted(STATUSES)))
    return status


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# RFC 3339: a date, "T" (or a space), a time with optional fraction, and Z or an offset
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _moment(raw: object, name: str, tz: tzinfo, last_day: bool) -> datetime | None:
    """A day or an RFC 3339 instant, as an instant in UTC; a day's is the midnight that starts
    it, or with ``last_day`` the midnight that ends it. A time without an offset is refused:
    it would name a different moment wherever it is read."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    moment = _instant(raw.strip(), tz, last_day) if isinstance(raw, str) else None
    if moment is None:
        raise InvalidInput("feeds.date", field=name)
    return moment


@lru_cache(maxsize=4096)  # a feed names the same few days again and again
def _instant(text: str, tz: tzinfo, last_day: bool) -> datetime | None:
    try:
        if _DAY.fullmatch(text):
            day = date.fromisoformat(text) + timedelta(days=1 if last_day else 0)
            return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
        if _INSTANT.fullmatch(text):
            return datetime.fromisoformat(text.replace("z", "Z")).astimezone(UTC)
    except ValueError:
        pass
    return None
