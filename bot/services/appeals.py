"""申诉: a resident asks officials to correct a colour (FAQ 14). The text is sealed at rest; an
official reads and answers it (DESIGN.md §7, §9).

An accepted appeal either corrects the colour for a while (a ``CodeOverride`` with an end date,
which the rules read) or only re-decides the code (the facts were corrected at their source).
An override cannot lower red (``bot.health.rules.decide``): such a resolution is refused, and
nothing of it is written, rather than recorded as accepted while the code stays red.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.health.colors import Color
from bot.health.errors import InvalidInput
from bot.services import audit, outbox
from bot.services.decisions import reasons_in, redecide
from bot.services.errors import NotFound, ServiceError
from bot.services.family import reachable_person
from bot.services.people import masked_document, masked_name
from bot.services.runtime import Runtime
from bot.services.staff import StaffView
from bot.services.uow import UnitOfWork
from bot.texts import t
from models.appeal import Appeal, CodeOverride
from models.code import HealthCode
from models.district import District
from models.person import Account, Person
from models.staff import Staff

TEXT = "appeal.text"
REPLY = "appeal.reply"
MAX_TEXT_LENGTH = 500
MAX_REPLY_LENGTH = 500
MAX_OVERRIDE_DAYS = 30  # a correction ends; a longer one is a new decision, not an appeal's
ACCEPT, REJECT = "accept", "reject"
OPEN, RESOLVED = "open", "resolved"
STATUSES = (OPEN, RESOLVED, "all")
MAX_LISTED = 200


@dataclass(frozen=True)
class AppealView:
    id: int
    person_id: str  # the person's public id
    status: str
    created_at: datetime


# --- residents ------------------------------------------------------------------------------


async def file_appeal(rt: Runtime, account_id: int, person_id: str | None, text: str) -> AppealView:
    """File an appeal for the account's own person (``None``) or a family member it acts for;
    a person has at most one open appeal at a time."""
    text = _checked_text(text)
    async with UnitOfWork() as uow:
        person = await reachable_person(account_id, person_id)
        # the person's row serialises two filings at once (PostgreSQL; SQLite runs one writer)
        await Person.select_for_update().get(id=person.id)
        await _refuse_a_second(person)
        appeal = await Appeal.create(
            person_id=person.id,
            account_id=account_id,
            text_sealed=rt.sealer.seal(text, TEXT),
            status=OPEN,
            created_at=rt.now(),
        )
        after = {"person": person.public_id, "account": account_id}
        await audit.record(rt, None, "appeal.file", f"appeal:{appeal.id}", after=after)
        uow.commit()
    return AppealView(appeal.id, person.public_id, appeal.status, appeal.created_at)


@dataclass(frozen=True)
class Answered:
    """The answer to the account's latest appeal for a person, as the resident reads it."""

    decision: str
    reply: str
    filed: datetime
    resolved_at: datetime


async def check_may_appeal(rt: Runtime, account_id: int, person_id: str | None) -> Answered | None:
    """Refuse before the dialogue asks for a text: nobody to appeal for, or one already open.
    Otherwise the answer to the account's last appeal for the person, if any: a reply notice
    can miss its reader (the platform's 48-hour window), so the chat shows it again here."""
    person = await reachable_person(account_id, person_id)
    await _refuse_a_second(person)
    last = (
        await Appeal.filter(person_id=person.id, account_id=account_id, status=RESOLVED)
        .order_by("-resolved_at", "-id")
        .first()
    )
    if last is None or last.reply_sealed is None or last.resolved_at is None:
        return None
    reply = rt.sealer.open(last.reply_sealed, REPLY)
    return Answered(last.decision or REJECT, reply, last.created_at, last.resolved_at)


async def _refuse_a_second(person: Person) -> None:
    if await Appeal.exists(person_id=person.id, status=OPEN):
        raise ServiceError("appeals.already_open")


def parse_appeal_text(raw: str) -> str:
    return _checked_text(raw)


def _checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("appeals.text_empty", field="text")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput("appeals.text_too_long", max=MAX_TEXT_LENGTH, field="text")
    return text


# --- officials: the list --------------------------------------------------------------------


@dataclass(frozen=True)
class AppealSummary:
    """An appeal as an official reads it: the person masked, never a document in clear."""

    id: int
    person_id: str
    name_masked: str
    doc_type: str
    document_masked: str
    district: int | None
    district_name: str | None
    color: str | None
    reasons: tuple[str, ...]
    text: str
    filed_for_family: bool  # filed by an account acting for the person
    status: str
    created_at: datetime
    decision: str | None
    reply: str | None
    resolved_by: str | None
    resolved_at: datetime | None


def parse_status(raw: str | None) -> str:
    status = (raw or OPEN).strip().lower()
    if status not in STATUSES:
        raise InvalidInput("appeals.status", field="status", choices=" / ".join(STATUSES))
    return status


def parse_limit(raw: str | None, default: int = 50) -> int:
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LISTED:
        raise InvalidInput("appeals.limit", field="limit", max=MAX_LISTED)
    return int(raw)


async def list_appeals(
    rt: Runtime, status: str = OPEN, limit: int = 50, lang: str = "zh"
) -> list[AppealSummary]:
    """Open appeals oldest first (a queue); resolved ones newest first; the code's reasons in
    ``lang``. A handful of queries whatever the page's length."""
    query = Appeal.all() if status == "all" else Appeal.filter(status=status)
    order = ("created_at", "id") if status == OPEN else ("-created_at", "-id")
    appeals = await query.order_by(*order).limit(limit)
    person_ids = {a.person_id for a in appeals}
    people = {p.id: p for p in await Person.filter(id__in=person_ids)}
    codes = {c.person_id: c for c in await HealthCode.filter(person_id__in=person_ids)}
    owners = dict(
        await Account.filter(id__in={a.account_id for a in appeals if a.account_id}).values_list(
            "id", "person_id"
        )
    )
    staff_ids = {a.resolved_by_id for a in appeals if a.resolved_by_id}
    staff = dict(await Staff.filter(id__in=staff_ids).values_list("id", "name"))
    districts = dict(await District.all().values_list("adcode", "name"))
    found = _Found(owners, staff, districts, lang)
    return [_summary(rt, a, people[a.person_id], codes.get(a.person_id), found) for a in appeals]


@dataclass(frozen=True)
class _Found:
    owners: dict[int, int | None]  # account id → its own person
    staff: dict[int, str]
    districts: dict[int, str]
    lang: str


def _summary(
    rt: Runtime,
    appeal: Appeal,
    person: Person,
    code: HealthCode | None,
    found: _Found,
) -> AppealSummary:
    return AppealSummary(
        id=appeal.id,
        person_id=person.public_id,
        name_masked=masked_name(rt, person),
        doc_type=person.doc_type,
        document_masked=masked_document(rt, person),
        district=person.district_id,
        district_name=found.districts.get(person.district_id) if person.district_id else None,
        color=code.color if code else None,
        reasons=reasons_in(code.reasons, found.lang) if code else (),
        text=rt.sealer.open(appeal.text_sealed, TEXT),
        filed_for_family=appeal.account_id is not None
        and found.owners.get(appeal.account_id) != person.id,
        status=appeal.status,
        created_at=appeal.created_at,
        decision=appeal.decision,
        reply=rt.sealer.open(appeal.reply_sealed, REPLY) if appeal.reply_sealed else None,
        resolved_by=found.staff.get(appeal.resolved_by_id) if appeal.resolved_by_id else None,
        resolved_at=appeal.resolved_at,
    )


# --- officials: the answer ------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """An official's answer, already validated: accept (with an override colour until a moment,
    or a plain re-decision) or reject; always with a reply in the official's own words."""

    decision: str
    reply: str
    color: Color | None = None
    until: datetime | None = None


def parse_resolution(body: Mapping[str, object], now: datetime, tz: ZoneInfo) -> Resolution:
    """The answer of the JSON API or the console's form (where an empty field means absent)."""
    decision = body.get("decision")
    if decision not in (ACCEPT, REJECT):
        raise InvalidInput("appeals.decision", field="decision")
    reply = _reply(body.get("reply"))
    color = _color(_given(body.get("color")))
    until = _given(body.get("until"))
    if decision == REJECT:
        if color is not None or until is not None:
            raise InvalidInput("appeals.reject_with_color", field="color")
        return Resolution(REJECT, reply)
    if color is not None and until is None:
        raise InvalidInput("appeals.until_needed", field="until")
    if until is not None and color is None:
        raise InvalidInput("appeals.color_needed", field="color")
    return Resolution(ACCEPT, reply, color, parse_until(until, now, tz) if until else None)


def _given(raw: object) -> object:
    return None if raw is None or (isinstance(raw, str) and not raw.strip()) else raw


def _reply(raw: object) -> str:
    if raw is None:
        raise InvalidInput("api.missing", field="reply")
    if not isinstance(raw, str):
        raise InvalidInput("api.wrong_type", field="reply")
    reply = raw.strip()
    if not reply:
        raise InvalidInput("appeals.reply_empty", field="reply")
    if len(reply) > MAX_REPLY_LENGTH:
        raise InvalidInput("appeals.reply_too_long", field="reply", max=MAX_REPLY_LENGTH)
    return reply


def _color(raw: object) -> Color | None:
    if raw is None:
        return None
    try:
        return Color(str(raw).strip().lower())
    except ValueError:
        raise InvalidInput("appeals.color", field="color") from None


def parse_until(raw: object, now: datetime, tz: ZoneInfo) -> datetime:
    """A day (``2020-03-20``: to the end of that day, the region's time) or an ISO 8601 moment
    (without an offset: the region's time); in the future, at most ``MAX_OVERRIDE_DAYS`` on."""
    if not isinstance(raw, str):
        raise InvalidInput("appeals.until_format", field="until")
    text = raw.strip()
    try:
        if len(text) == 10:
            until = datetime.combine(date.fromisoformat(text) + timedelta(days=1), time(), tz)
        else:
            until = datetime.fromisoformat(text)
            until = until if until.tzinfo else until.replace(tzinfo=tz)
    except ValueError:
        raise InvalidInput("appeals.until_format", field="until") from None
    if until <= now:
        raise InvalidInput("appeals.until_past", field="until")
    if until > now + timedelta(days=MAX_OVERRIDE_DAYS):
        raise InvalidInput("appeals.until_too_far", field="until", days=MAX_OVERRIDE_DAYS)
    return until.astimezone(UTC)  # stored and compared as UTC text on SQLite


@dataclass(frozen=True)
class Resolved:
    id: int
    decision: str
    color: Color | None  # the person's colour after the answer
    previous: Color | None
    override_until: datetime | None
    notified: bool  # a reply notice was queued (the filing account still exists)


async def resolve_appeal(
    rt: Runtime, staff: StaffView, appeal_id: int, resolution: Resolution
) -> Resolved:
    """Answer an open appeal: correct or re-decide the code when accepted, queue the reply to
    the filing account and record who did what, all in one unit of work."""
    async with UnitOfWork() as uow:
        appeal = await Appeal.filter(id=appeal_id).select_for_update().first()
        if appeal is None:
            raise NotFound("appeals.not_found")
        if appeal.status != OPEN:
            raise ServiceError("appeals.already_resolved")
        person = await Person.get(id=appeal.person_id)
        code = await HealthCode.get_or_none(person_id=person.id)
        previous = Color(code.color) if code else None
        color = previous
        if resolution.decision == ACCEPT:
            color = await _correct(rt, staff, appeal, person, resolution)
        await _close(rt, staff, appeal, resolution)
        notified = await _queue_reply(rt, appeal)
        await audit.record(
            rt,
            staff.id,
            "appeal.resolve",
            f"appeal:{appeal.id}",
            before={"status": OPEN, "person": person.public_id, "color": _value(previous)},
            after={
                "status": RESOLVED,
                "decision": resolution.decision,
                "color": _value(color),
                "override": _override_json(resolution),
                "notified": notified,
            },
        )
        uow.commit()
    return Resolved(appeal.id, resolution.decision, color, previous, resolution.until, notified)


async def _correct(
    rt: Runtime, staff: StaffView, appeal: Appeal, person: Person, resolution: Resolution
) -> Color:
    if resolution.color is not None:
        await CodeOverride.create(
            person_id=person.id,
            color=resolution.color.value,
            until=resolution.until,
            reason_zh=t("appeals.override_reason", "zh"),
            reason_en=t("appeals.override_reason", "en"),
            appeal_id=appeal.id,
            created_by_id=staff.id,
            created_at=rt.now(),
        )
    outcome = await redecide(rt, person, cause="appeal")
    now_color = Color(outcome.code.color)
    if resolution.color is not None and now_color is not resolution.color:
        # the override lost to red evidence; raising here undoes the override with the rest
        raise ServiceError("appeals.red_stays")
    if outcome.changed:
        await outbox.queue_code_changes(rt, [(person.id, outcome.old_color, now_color)], "appeal")
    return now_color


async def _close(rt: Runtime, staff: StaffView, appeal: Appeal, resolution: Resolution) -> None:
    appeal.status = RESOLVED
    appeal.decision = resolution.decision
    appeal.reply_sealed = rt.sealer.seal(resolution.reply, REPLY)
    appeal.resolved_by_id = staff.id
    appeal.resolved_at = rt.now()
    await appeal.save(
        update_fields=["status", "decision", "reply_sealed", "resolved_by_id", "resolved_at"]
    )


async def _queue_reply(rt: Runtime, appeal: Appeal) -> bool:
    """The answer goes to the account that filed the appeal, in its language when it is sent."""
    if appeal.account_id is None or not await Account.exists(id=appeal.account_id):
        return False
    await outbox.queue_appeal_reply(rt, appeal.account_id, appeal.id)
    return True


def _value(color: Color | None) -> str | None:
    return color.value if color else None


def _override_json(resolution: Resolution) -> dict | None:
    if resolution.color is None or resolution.until is None:
        return None
    return {"color": resolution.color.value, "until": resolution.until.isoformat()}
