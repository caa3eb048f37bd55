"""What a code-change notice says, in the recipient account's language, written when it is sent
(the daily reminder's words are in ``notices.reminder``).

Rendered at sending time from the live record, so the link is fresh and the reasons are the
code's own. A code-change notice whose code has moved on since it was queued is ``Superseded``:
sending "orange → green" to someone whose code is red again would mislead; the newer state
reaches them by its own notice or reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.codes.decisions import reasons_in
from bot.services.codes.display import page_url
from bot.services.notices.kinds import CodeChanged, NoticeKind
from bot.services.notices.messages import Message, Superseded, Void
from bot.services.residents.people import masked_name
from bot.services.runtime import Runtime
from bot.texts import t
from models.code import HealthCode
from models.person import Person


async def code_change_message(rt: Runtime, payload: CodeChanged, lang: str) -> Message:
    person, code = await _person_and_code(payload.person)
    if code.color != payload.new:
        raise Superseded(f"the code is {code.color} now, not {payload.new}")
    change = _Change(
        name=masked_name(rt, person),
        old=payload.old,
        new=code.color,
        reasons=reasons_in(code.reasons, lang),
        when=local_time(rt, code.decided_at),
        url=page_url(rt, person, lang),
        hotline=rt.settings.hotline,
    )
    old = t(f"code.color_{change.old}", lang) if change.old else "—"
    new = t(f"code.color_{change.new}", lang)
    # narrow fields are short and plain: colour words without their sign
    old_plain = t(f"notices.color_{change.old}", lang) if change.old else "—"
    new_plain = t(f"notices.color_{change.new}", lang)
    remark = t("notices.code_changed.remark", lang, hotline=change.hotline)
    return Message(
        kind=NoticeKind.CODE_CHANGED,
        text=_change_text(change, lang),
        title=t("notices.code_changed.title", lang),
        name=change.name,
        what=t("notices.code_changed.colors", lang, old=old, new=new),
        what_short=t("notices.code_changed.colors", lang, old=old_plain, new=new_plain),
        when=change.when,
        remark="\n".join([*change.reasons, remark]),
        note=change.reasons[0] if change.reasons else new_plain,
        url=change.url,
        page=miniapp_page(rt, person, lang),
    )


@dataclass(frozen=True)
class _Change:
    name: str  # masked
    old: str | None
    new: str
    reasons: tuple[str, ...]
    when: str
    url: str
    hotline: str


def _change_text(c: _Change, lang: str) -> str:
    new = t(f"code.color_{c.new}", lang)
    if c.old:
        old = t(f"code.color_{c.old}", lang)
        headline = t("notices.code_changed.changed", lang, name=c.name, old=old, new=new)
    else:
        headline = t("notices.code_changed.first", lang, name=c.name, new=new)
    return "\n".join(
        [headline, t("notices.code_changed.reasons", lang)]
        + [f"· {reason}" for reason in c.reasons]
        + [
            t("notices.code_changed.link", lang, url=c.url),
            t("notices.code_changed.help", lang, hotline=c.hotline),
        ]
    )


async def _person_and_code(public_id: str) -> tuple[Person, HealthCode]:
    """One query: a backlog of a million notices renders a million of these."""
    code = await HealthCode.filter(person__public_id=public_id).select_related("person").first()
    if code is None:
        raise Void("the person's records are gone")
    return code.person, code


def local_time(rt: Runtime, moment: datetime) -> str:
    return moment.astimezone(rt.ruleset.tz).strftime("%Y-%m-%d %H:%M")


def miniapp_page(rt: Runtime, person: Person, lang: str) -> str:
    return f"{rt.settings.schedules.miniapp_code_page}?person={person.public_id}&lang={lang}"
