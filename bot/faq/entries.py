"""A region's FAQ: entries with their questions and answers in Chinese and English."""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("zh", "en")


class FaqError(ValueError):
    """A FAQ file that cannot be used; the message names the entry and the field."""


@dataclass(frozen=True)
class Texts:
    """One text in both languages."""

    zh: str
    en: str

    def in_language(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class FaqEntry:
    id: str
    source: tuple[int, ...]  # the numbers of the FAQ's questions this entry answers
    question: Texts
    alternatives: dict[str, tuple[str, ...]]  # language -> phrasings the team wrote
    answer: Texts  # may name {hotline}

    def phrasings(self, lang: str) -> tuple[str, ...]:
        return (self.question.in_language(lang), *self.alternatives.get(lang, ()))

    def answer_in(self, lang: str, hotline: str) -> str:
        return self.answer.in_language(lang).replace("{hotline}", hotline)


@dataclass(frozen=True)
class Faq:
    name: Texts  # the FAQ's title, as its answers cite it ("天津健康码答疑")
    entries: tuple[FaqEntry, ...]
    # language -> {variant: canonical word}
    synonyms: dict[str, dict[str, str]] = field(default_factory=dict)

    def entry(self, entry_id: str) -> FaqEntry | None:
        return next((e for e in self.entries if e.id == entry_id), None)
