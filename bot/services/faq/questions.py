"""The questions residents asked that the FAQ did not answer: kept (numbers masked, sealed)
so officials see them counted, and the FAQ file can grow from what people really ask.
Kept for the retention days at most (``delete_old_questions``, run by the retention job)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count, Max, Min

from bot.faq.words import normalised
from bot.health.free_text import mask_numbers
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.faq import UnansweredQuestion

COLUMN = "unanswered_question.text"
# control characters and lone surrogates: a mini-program query may carry them, UTF-8 may not
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
MAX_KEPT_CHARACTERS = 200  # a question longer than this is kept cut, with "…"
BATCH = 5000


@dataclass(frozen=True)
class AskedCount:
    """One question as officials see it: masked, how often, and when last asked."""

    text: str
    count: int
    last_asked: datetime


async def record_unanswered(rt: Runtime, text: str, lang: str, channel: str) -> None:
    masked = " ".join(mask_numbers(_UNPRINTABLE.sub(" ", text)).split())
    if not masked:
        return
    if len(masked) > MAX_KEPT_CHARACTERS:
        masked = masked[: MAX_KEPT_CHARACTERS - 1] + "…"
    async with UnitOfWork() as uow:
        await UnansweredQuestion.create(
            text_sealed=rt.sealer.seal(masked, COLUMN),
            text_key=rt.sealer.lookup_key("faq-question:" + normalised(masked)),
            lang=lang,
            channel=channel,
            asked_at=rt.now(),
        )
        uow.commit()


async def most_asked(rt: Runtime, limit: int) -> list[AskedCount]:
    """The unanswered questions kept, the most often asked first."""
    groups = (
        await UnansweredQuestion.all()
        .annotate(count=Count("id"), last_asked=Max("asked_at"), first=Min("id"))
        .group_by("text_key")
        .order_by("-count", "-last_asked")
        .limit(limit)
        .values("count", "last_asked", "first")
    )
    sealed = dict(
        await UnansweredQuestion.filter(id__in=[g["first"] for g in groups]).values_list(
            "id", "text_sealed"
        )
    )
    return [
        AskedCount(rt.sealer.open(sealed[g["first"]], COLUMN), g["count"], g["last_asked"])
        for g in groups
    ]


async def count_unanswered() -> int:
    return await UnansweredQuestion.all().count()


async def delete_old_questions(cutoff: datetime, batch: int = BATCH) -> int:
    deleted = 0
    while True:
        ids = await (
            UnansweredQuestion.filter(asked_at__lt=cutoff).limit(batch).values_list("id", flat=True)
        )
        if ids:
            deleted += await UnansweredQuestion.filter(id__in=ids).delete()
        if len(ids) < batch:
            return deleted
