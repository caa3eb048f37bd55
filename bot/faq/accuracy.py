"""A questions file run against a FAQ: how often the right entry answers, how often a question
the FAQ does not answer gets the fallback, which questions went wrong, and how long a match
takes. The test suite, ``bench.faq`` and ``healthcode faq check`` share it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.faq.matcher import FaqMatcher

UNANSWERABLE = "-"


class QuestionsFileError(ValueError):
    """A questions file that cannot be read; the message names the line."""


@dataclass(frozen=True)
class Question:
    line: int
    expected: str  # an entry id, or "-": the FAQ has no answer and the fallback is right
    text: str


@dataclass(frozen=True)
class Miss:
    question: Question
    got: str  # the entry answered, or "-" for the fallback
    confidence: float


@dataclass
class Report:
    answerable: int = 0
    answered_right: int = 0
    unanswerable: int = 0
    fell_back: int = 0
    misses: list[Miss] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # one match each

    @property
    def top1(self) -> float:
        return self.answered_right / self.answerable if self.answerable else 1.0

    @property
    def fallback(self) -> float:
        return self.fell_back / self.unanswerable if self.unanswerable else 1.0

    def percentile_ms(self, share: float) -> float:
        ordered = sorted(self.seconds)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def read_questions(text: str, known: set[str]) -> list[Question]:
    """Lines ``expected<TAB>question`` after a header line; ``#`` starts a comment line."""
    questions: list[Question] = []
    header_seen = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            if line.split("\t")[:2] != ["expected", "question"]:
                raise QuestionsFileError(f"line {number}: the header must be expected<TAB>question")
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[1].strip():
            raise QuestionsFileError(f"line {number}: expected<TAB>question, not {line!r}")
        expected, question = parts[0].strip(), parts[1].strip()
        if expected != UNANSWERABLE and expected not in known:
            raise QuestionsFileError(f"line {number}: the FAQ has no entry {expected!r}")
        questions.append(Question(number, expected, question))
    return questions


def evaluate(matcher: FaqMatcher, questions: list[Question]) -> Report:
    report = Report()
    for question in questions:
        started = time.perf_counter()
        match = matcher.match(question.text)
        report.seconds.append(time.perf_counter() - started)
        got = match.entry.id if match else UNANSWERABLE
        if question.expected == UNANSWERABLE:
            report.unanswerable += 1
            report.fell_back += got == UNANSWERABLE
        else:
            report.answerable += 1
            report.answered_right += got == question.expected
        if got != question.expected:
            best = matcher.best(question.text)
            report.misses.append(Miss(question, got, best.confidence if best else 0.0))
    return report
