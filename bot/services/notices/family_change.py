"""What a family-change notice says (a record changed hands, gained a guardian, or came back to
the guardians when its person erased their account), written when it is sent.

These notices are the alarm of the 交接码: whoever shows a code hears at once when someone
else starts to manage it, or to act for it.
"""

from __future__ import annotations

from datetime import datetime

from bot.services.codes.display import page_url
from bot.services.notices.code_change import Message, Void, local_time, miniapp_page
from bot.services.notices.outbox import GUARDIAN_ADDED
from bot.services.residents.people import masked_name
from bot.services.runtime import Runtime
from bot.texts import t
from models.person import Person

# the stored relation is the record's to its guardian; the notice names the guardian's to it
_GUARDIAN_IS = {"child": "parent", "parent": "child", "spouse": "spouse"}
_KEY = "notices.family_changed."


async def family_change_message(rt: Runtime, payload: dict, lang: str) -> Message:
    person = await Person.get_or_none(public_id=payload["person"], erased_at__isnull=True)
    if person is None:
        raise Void("the person's records are gone")
    change = payload["change"]
    words = {
        "name": masked_name(rt, person),
        "time": local_time(rt, datetime.fromisoformat(payload["at"])),
        "hotline": rt.settings.hotline,
    }
    key = change
    if change == GUARDIAN_ADDED:
        words |= await _guardian_words(rt, payload, lang)
        key += "_own" if payload.get("own") else ""
    what = t(f"{_KEY}change_{change}", lang)
    template = {
        "first": t(f"{_KEY}title", lang),
        "keyword1": words["name"],
        "keyword2": what,
        "keyword3": words["time"],
        "remark": t(f"{_KEY}remark", lang, hotline=rt.settings.hotline),
    }
    subscribe = {
        "thing1": words["name"],
        "thing2": what,
        "time3": words["time"],
        "thing4": t(f"{_KEY}subscribe_note", lang),
    }
    return Message(
        t(_KEY + key, lang, **words),
        template,
        subscribe,
        page_url(rt, person, lang),
        miniapp_page(rt, person, lang),
    )


async def _guardian_words(rt: Runtime, payload: dict, lang: str) -> dict[str, str]:
    guardian = await Person.get_or_none(public_id=payload["guardian"], erased_at__isnull=True)
    if guardian is None:
        raise Void("the new guardian's records are gone")
    relation = _GUARDIAN_IS[payload["relation"]]
    return {
        "guardian": masked_name(rt, guardian),
        "relation": t(f"family.relation_{relation}", lang),
    }
