"""What a family-change notice says (a record changed hands, gained a guardian, or came back to
the guardians when its person erased their account), written when it is sent.

These notices are the alarm of the 交接码: whoever shows a code hears at once when someone
else starts to manage it, or to act for it.
"""

from __future__ import annotations

from datetime import datetime

from bot.services.codes.display import page_url
from bot.services.notices.code_change import local_time, miniapp_page
from bot.services.notices.kinds import FamilyChanged, NoticeKind
from bot.services.notices.messages import Message, Void
from bot.services.notices.outbox import GUARDIAN_ADDED
from bot.services.residents.people import masked_name
from bot.services.runtime import Runtime
from bot.texts import t
from models.person import Person

# the stored relation is the record's to its guardian; the notice names the guardian's to it
_GUARDIAN_IS = {"child": "parent", "parent": "child", "spouse": "spouse"}
_KEY = "notices.family_changed."


async def family_change_message(rt: Runtime, payload: FamilyChanged, lang: str) -> Message:
    person = await Person.get_or_none(public_id=payload.person, erased_at__isnull=True)
    if person is None:
        raise Void("the person's records are gone")
    change = payload.change
    words = {
        "name": masked_name(rt, person),
        "time": local_time(rt, datetime.fromisoformat(payload.at)),
        "hotline": rt.settings.hotline,
    }
    key = change
    if change == GUARDIAN_ADDED:
        words |= await _guardian_words(rt, payload, lang)
        key += "_own" if payload.own else ""
    what = t(f"{_KEY}change_{change}", lang)
    return Message(
        kind=NoticeKind.FAMILY_CHANGED,
        text=t(_KEY + key, lang, **words),
        title=t(f"{_KEY}title", lang),
        name=words["name"],
        what=what,
        when=words["time"],
        remark=t(f"{_KEY}remark", lang, hotline=rt.settings.hotline),
        note=t(f"{_KEY}subscribe_note", lang),
        url=page_url(rt, person, lang),
        page=miniapp_page(rt, person, lang),
    )


async def _guardian_words(rt: Runtime, payload: FamilyChanged, lang: str) -> dict[str, str]:
    guardian = await Person.get_or_none(public_id=payload.guardian, erased_at__isnull=True)
    if guardian is None:
        raise Void("the new guardian's records are gone")
    relation = _GUARDIAN_IS[payload.relation or ""]
    return {
        "guardian": masked_name(rt, guardian),
        "relation": t(f"family.relation_{relation}", lang),
    }
