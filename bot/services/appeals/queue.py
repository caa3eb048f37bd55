"""Officials read appeals (docs/architecture.md): open ones as a queue, resolved ones newest first,
the person masked and never a document in clear."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.health.errors import InvalidInput
from bot.services.appeals.filing import REPLY, TEXT, AppealStatus
from bot.services.codes.decisions import reasons_in
from bot.services.residents.people import masked_document, masked_name
from bot.services.runtime import Runtime
from models.appeal import Appeal
from models.code import HealthCode
from models.district import District
from models.person import Account, Person
from models.staff import Staff

STATUSES = (AppealStatus.OPEN, AppealStatus.RESOLVED, "all")
MAX_LISTED = 200


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
    status = (raw or AppealStatus.OPEN).strip().lower()
    if status not in STATUSES:
        raise InvalidInput("appeals.status", field="status", choices=" / ".join(STATUSES))
    return status


def parse_limit(raw: str | None, default: int = 50) -> int:
    if raw is None:
        return default
    # "?limit=" is no number either: the OpenAPI document says an integer (schemathesis found it)
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LISTED:
        raise InvalidInput("appeals.limit", field="limit", max=MAX_LISTED)
    return int(raw)


async def list_appeals(
    rt: Runtime, status: str = AppealStatus.OPEN, limit: int = 50, lang: str = "zh"
) -> list[AppealSummary]:
    """Open appeals oldest first (a queue); resolved ones newest first; the code's reasons in
    ``lang``. A handful of queries whatever the page's length."""
    query = Appeal.all() if status == "all" else Appeal.filter(status=status)
    order = ("created_at", "id") if status == AppealStatus.OPEN else ("-created_at", "-id")
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
