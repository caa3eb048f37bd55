"""What the answer to an appeal says, written when it is sent (FAQ 14: the resident gets an
answer). The official's words stay sealed in the appeal row: the outbox names the appeal only,
so no reply text sits in the notice table in clear.

It travels like the other notices (``notices.routes``): a template message or a subscribe
message where one is configured, a customer-service text otherwise.
"""

from __future__ import annotations

from bot.services.appeals.filing import REPLY, AppealStatus
from bot.services.codes.display import page_url
from bot.services.notices.code_change import local_time, miniapp_page
from bot.services.notices.kinds import AppealReply, NoticeKind
from bot.services.notices.messages import Message, Void
from bot.services.residents.people import masked_name
from bot.services.runtime import Runtime
from bot.texts import t
from models.appeal import Appeal
from models.person import Person


async def appeal_reply_message(rt: Runtime, payload: AppealReply, lang: str) -> Message:
    appeal = await Appeal.get_or_none(id=payload.appeal)
    if appeal is None or appeal.status != AppealStatus.RESOLVED or appeal.reply_sealed is None:
        raise Void("the appeal is gone")
    person = await Person.get_or_none(id=appeal.person_id)
    if person is None:
        raise Void("the person's records are gone")
    name = masked_name(rt, person)
    reply = rt.sealer.open(appeal.reply_sealed, REPLY)
    decision = appeal.decision or "reject"
    filed = appeal.created_at.astimezone(rt.ruleset.tz).strftime("%Y-%m-%d")
    text = t(
        f"appeals.reply_{decision}",
        lang,
        name=name,
        filed=filed,
        reply=reply,
        hotline=rt.settings.hotline,
    )
    outcome = t(f"appeals.decision_{decision}", lang)
    answered = local_time(rt, appeal.resolved_at) if appeal.resolved_at else filed
    return Message(
        kind=NoticeKind.APPEAL_REPLY,
        text=text,
        title=t("appeals.reply_title", lang),
        name=name,
        what=outcome,
        when=answered,
        remark=t("appeals.reply_remark", lang, reply=reply, hotline=rt.settings.hotline),
        note=reply,  # a narrow field is cut where the channel needs it
        url=page_url(rt, person, lang),
        page=miniapp_page(rt, person, lang),
    )
