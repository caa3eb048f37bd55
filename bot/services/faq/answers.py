"""Residents' questions answered from the region's FAQ, for every channel: the answer in the
language the question was asked in, with its source, or nothing and the hotline. A question
that finds no answer is kept, masked, for officials (``bot.services.faq.questions``)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.faq.entries import FaqEntry
from bot.faq.matcher import Match
from bot.faq.words import written_in
from bot.services.faq.questions import record_unanswered
from bot.services.runtime import Runtime
from bot.texts import t


@dataclass(frozen=True)
class Answered:
    """What a question got: ``match`` None means the FAQ has no answer for it."""

    lang: str
    match: Match | None


async def answer_question(rt: Runtime, text: str, lang: str, channel: str) -> Answered:
    """The FAQ's answer to ``text`` (``lang``: the account's, for a text in no language); a
    question with letters in it that finds none is kept for officials."""
    match = rt.faq.match(text)
    answered = Answered(match.lang if match else written_in(text) or lang, match)
    if match is None and written_in(text) is not None:
        await record_unanswered(rt, text, answered.lang, channel)
    return answered


def answer_text(rt: Runtime, entry: FaqEntry, lang: str) -> str:
    return entry.answer_in(lang, rt.settings.hotline)


def source_text(rt: Runtime, entry: FaqEntry, lang: str) -> str:
    """ "天津健康码答疑 第8、20问" / "Tianjin health code FAQ, questions 8 and 20"."""
    numbers = [str(n) for n in entry.source]
    if len(numbers) == 1:
        listed = t("faq.one", lang, number=numbers[0])
    else:
        joined = t("faq.separator", lang).join(numbers[:-1])
        listed = t("faq.many", lang, numbers=joined, last=numbers[-1])
    return t("faq.source", lang, name=rt.faq.faq.name.in_language(lang), numbers=listed)


def reply_text(rt: Runtime, answered: Answered) -> str:
    """The chat's reply: the answer and its source, or the fallback with the hotline."""
    if answered.match is None:
        return t("faq.fallback", answered.lang, hotline=rt.settings.hotline)
    entry, lang = answered.match.entry, answered.lang
    cited = t("faq.cited", lang, source=source_text(rt, entry, lang))
    return f"{answer_text(rt, entry, lang)}\n{cited}"
