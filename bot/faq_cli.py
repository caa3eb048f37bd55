"""``healthcode faq check FILE``: a questions file run against the FAQ (the default region's,
``HC_FAQ_FILE``, or ``--faq``), so a new FAQ file is checked before it goes live."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.faq.accuracy import UNANSWERABLE, QuestionsFileError, Report, evaluate, read_questions
from bot.faq.entries import FaqError
from bot.faq.files import faq_matcher

REQUIRED = 0.9


def check_questions(
    questions_file: str, faq_file: str | None, required: float = REQUIRED, out: TextIO = sys.stdout
) -> int:
    """Prints the figures and every miss; 0 when both figures reach ``required``, else 1."""
    try:
        matcher = faq_matcher(faq_file)
        text = Path(questions_file).read_text(encoding="utf-8")
        questions = read_questions(text, {entry.id for entry in matcher.faq.entries})
    except (FaqError, QuestionsFileError) as error:
        print(
            f"{questions_file if isinstance(error, QuestionsFileError) else 'FAQ'}: {error}",
            file=sys.stderr,
        )
        return 2
    except OSError as error:
        print(f"{questions_file}: {error.strerror or error}", file=sys.stderr)
        return 2
    report = evaluate(matcher, questions)
    print_report(report, out)
    return 0 if report.top1 >= required and report.fallback >= required else 1


def print_report(report: Report, out: TextIO) -> None:
    wrong = sum(
        1 for m in report.misses if m.question.expected != UNANSWERABLE and m.got != UNANSWERABLE
    )
    print(
        f"answerable: {report.answered_right} of {report.answerable} got the right entry "
        f"({report.top1:.1%}); {wrong} got a wrong entry",
        file=out,
    )
    print(
        f"beyond the FAQ: {report.fell_back} of {report.unanswerable} got the fallback "
        f"({report.fallback:.1%})",
        file=out,
    )
    for miss in report.misses:
        asked = miss.question
        print(
            f"  line {asked.line}: {asked.text!r} expected {asked.expected}, got {miss.got}"
            f" (confidence {miss.confidence:.2f})",
            file=out,
        )
