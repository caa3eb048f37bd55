"""Officials answer an appeal (FAQ 14): accept or reject, always with a reply that reaches the
resident as a notice.

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
from bot.services import audit
from bot.services.access.staff import StaffView
from bot.services.appeals.filing import REPLY, AppealStatus, Decision
from bot.services.codes.decisions import redecide
from bot.services.errors import NotFound, ServiceError
from bot.services.notices import outbox
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from bot.texts import t
from models.appeal import Appeal, CodeOverride
from models.code import HealthCode
from models.person import Account, Person

MAX_REPLY_LENGTH = 500
MAX_OVERRIDE_DAYS = 30  # a correction ends; a longer one is a new decision, not an appeal's


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
    if decision not in (Decision.ACCEPT, Decision.REJECT):
        raise InvalidInput("appeals.decision", field="decision")
    reply = _reply(body.get("reply"))
    color = _color(_given(body.get("color")))
    until = _given(body.get("until"))
    if decision == Decision.REJECT:
        if color is not None or until is not None:
            raise InvalidInput("appeals.reject_with_color", field="color")
        return Resolution(Decision.REJECT, reply)
    if color is not None and until is None:
        raise InvalidInput("appeals.until_needed", field="until")
    if until is not None and color is None:
        raise InvalidInput("appeals.color_needed", field="color")
    return Resolution(Decision.ACCEPT, reply, color, parse_until(until, now, tz) if until else None)


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
        if appeal.status != AppealStatus.OPEN:
            raise ServiceError("appeals.already_resolved")
        person = await Person.get(id=appeal.person_id)
        code = await HealthCode.get_or_none(person_id=person.id)
        previous = Color(code.color) if code else None
        color = previous
        if resolution.decision == Decision.ACCEPT:
            color = await _correct(rt, staff, appeal, person, resolution)
        await _close(rt, staff, appeal, resolution)
        notified = await _queue_reply(rt, appeal)
        await audit.record(
            rt,
            staff.id,
            "appeal.resolve",
            f"appeal:{appeal.id}",
            before={
                "status": AppealStatus.OPEN,
                "person": person.public_id,
                "color": _value(previous),
            },
            after={
                "status": AppealStatus.RESOLVED,
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
    appeal.status = AppealStatus.RESOLVED
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


def _override_json(resolution: Resolution) -> dict[str, str] | None:
    if resolution.color is None or resolution.until is None:
        return None
    return {"color": resolution.color.value, "until": resolution.until.isoformat()}
