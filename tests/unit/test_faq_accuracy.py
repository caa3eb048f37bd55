"""The FAQ answers residents' questions as they ask them: tests/data/faq_questions.tsv, written
by the team as residents would ask (colloquial, with typos, some in English), and questions
the FAQ does not answer, which must get the fallback rather than a wrong entry."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.faq.accuracy import UNANSWERABLE, QuestionsFileError, evaluate, read_questions
from bot.faq.files import faq_matcher
from bot.faq.words import written_in

QUESTIONS_FILE = Path(__file__).parents[1] / "data" / "faq_questions.tsv"
MATCHER = faq_matcher()
KNOWN = {entry.id for entry in MATCHER.faq.entries}
QUESTIONS = read_questions(QUESTIONS_FILE.read_text(encoding="utf-8"), KNOWN)


def test_the_set_asks_about_every_entry_several_times_and_beyond_the_faq() -> None:
    asked = Counter(q.expected for q in QUESTIONS)
    assert sum(n for entry, n in asked.items() if entry != UNANSWERABLE) >= 150
    assert asked[UNANSWERABLE] >= 30
    assert {entry: asked[entry] for entry in KNOWN if asked[entry] < 3} == {}
    assert sum(written_in(q.text) == "en" for q in QUESTIONS) >= 30


def test_nine_in_ten_answerable_questions_get_the_right_entry() -> None:
    report = evaluate(MATCHER, QUESTIONS)
    misses = [f"{m.question.text} -> {m.got}" for m in report.misses if m.question.expected != "-"]
    assert report.top1 >= 0.9, misses


def test_nine_in_ten_questions_beyond_the_faq_get_the_fallback() -> None:
    report = evaluate(MATCHER, QUESTIONS)
    misses = [f"{m.question.text} -> {m.got}" for m in report.misses if m.question.expected == "-"]
    assert report.fallback >= 0.9, misses


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("question\texpected\n", "header"),
        ("expected\tquestion\nwhat_is_it\n", "line 2"),
        ("expected\tquestion\nno_such_entry\t健康码是什么\n", "no entry 'no_such_entry'"),
    ],
)
def test_a_bad_questions_file_names_its_line(text: str, message: str) -> None:
    with pytest.raises(QuestionsFileError, match=message):
        read_questions(text, KNOWN)
