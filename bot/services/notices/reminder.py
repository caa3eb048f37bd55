"""What the daily reminder to declare again says, written when it is sent: a person who has
declared since it was queued is not reminded (``Superseded``)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from bot.services.codes.display import page_url
from bot.services.notices.code_change import miniapp_page
from bot.services.notices.kinds import NoticeKind, Reminder
from bot.services.notices.messages import Message, Superseded, Void
from bot.services.residents.people import masked_name
from bot.services.runtime import Runtime
from bot.texts import t
from models.declaration import Declaration
from models.person import Guardianship, Person


async def reminder_message(rt: Runtime, payload: Reminder, lang: str) -> Message:
    person = await Person.get_or_none(public_id=payload.person)
    if person is None:
        raise Void("the person's records are gone")
    now = rt.now()
    last = await _last_declared(person.id)
    if last is not None and now - last < rt.settings.schedules.reminder_after:
        raise Superseded("the person has declared since the reminder was queued")
    relation = payload.relation
    if relation is not None and not await _still_acts_for(payload.actor, person):
        raise Void("the account no longer acts for this family member")
    name = masked_name(rt, person)
    # a family member's reminder speaks to whoever declares for them
    words = {"name": name}
    prefix = "notices.reminder."
    if relation is not None:
        words["who"] = t(f"family.relation_{relation}", lang)
        prefix = "notices.reminder.member_"
    if last is None:
        text = t(prefix + "never", lang, **words)
        last_words = t("notices.reminder.last_never", lang)
    else:
        date = last.astimezone(rt.ruleset.tz).date().isoformat()
        days = (now - last).days
        text = t(prefix + "text", lang, date=date, days=days, **words)
        last_words = t("notices.reminder.last", lang, date=date)
    remark = t("notices.reminder.remark", lang)
    return Message(
        kind=NoticeKind.REMINDER,
        text=text,
        title=t("notices.reminder.title", lang),
        name=name,
        what=last_words,
        remark=remark,
        note=remark,
        url=page_url(rt, person, lang),
        page=miniapp_page(rt, person, lang),
    )


async def _still_acts_for(actor_public_id: str | None, member: Person) -> bool:
    return await Guardianship.exists(actor__public_id=actor_public_id, member_id=member.id)


async def _last_declared(person_id: int) -> datetime | None:
    latest = Declaration.filter(person_id=person_id).order_by("-declared_at", "-id").first()
    # Tortoise types a flat values_list as tuples
    return cast(datetime | None, await latest.values_list("declared_at", flat=True))
