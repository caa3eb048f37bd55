"""The matcher on its own: English to English, the region's synonyms, the threshold, and which
texts read as questions inside a dialogue."""

from __future__ import annotations

import pytest

from bot.faq.files import faq_matcher
from bot.faq.loading import load_faq
from bot.faq.matcher import FaqMatcher
from bot.faq.questions import reads_as_question

MATCHER = faq_matcher()


def test_a_chinese_question_gets_its_entry_and_the_language_it_was_asked_in() -> None:
    match = MATCHER.match("截图的绿码能用吗")
    assert match is not None and match.entry.id == "screenshot" and match.lang == "zh"
    assert 0 < match.confidence <= 1


def test_an_english_question_matches_the_english_phrasings() -> None:
    match = MATCHER.match("Can I use a screenshot of my code at the gate?")
    assert match is not None and match.entry.id == "screenshot" and match.lang == "en"


def test_the_regions_synonyms_read_variants_as_one_word() -> None:
    # 截屏 is listed under 截图, 老人机 under 老年机
    assert MATCHER.words.terms("截屏", "zh") == MATCHER.words.terms("截图", "zh")
    assert MATCHER.words.terms("老人机", "zh") == ["老年机"]
    assert MATCHER.words.terms("a screen shot", "en") == ["screenshot"]


@pytest.mark.parametrize("text", ["", "   ", "1", "？", "你好", "口罩去哪里买", "明天会下雨吗"])
def test_what_the_faq_does_not_answer_gets_no_entry(text: str) -> None:
    assert MATCHER.match(text) is None


def test_the_threshold_decides_between_an_answer_and_none() -> None:
    faq = MATCHER.faq
    text = "健康码有啥用处和好处"
    best = FaqMatcher(faq, threshold=0.0).best(text)
    assert best is not None
    assert FaqMatcher(faq, threshold=best.confidence).match(text) == best
    assert FaqMatcher(faq, threshold=best.confidence + 0.001).match(text) is None


def test_another_regions_file_answers_with_its_own_entries() -> None:
    faq = load_faq(
        '[faq]\nname_zh = "某市答疑"\nname_en = "FAQ"\n'
        '[[entry]]\nid = "ferry"\nsource = [1]\nquestion_zh = "坐轮渡要健康码吗"\n'
        'question_en = "Do I need the code on the ferry?"\nalternatives_zh = []\n'
        'alternatives_en = []\nanswer_zh = "要。"\nanswer_en = "Yes."\n'
    )
    match = FaqMatcher(faq).match("坐轮渡需要出示健康码吗？")
    assert match is not None and match.entry.id == "ferry"


@pytest.mark.parametrize(
    "text",
    ["截图能用吗", "老人没有手机怎么办", "这个要填什么？", "能不能不填", "What is this?", "how do"],
)
def test_questions_read_as_questions(text: str) -> None:
    assert reads_as_question(text)


@pytest.mark.parametrize("text", ["张三", "2026-13-01", "北京", "1", "maybe", "11010519491231002X"])
def test_answers_do_not_read_as_questions(text: str) -> None:
    assert not reads_as_question(text)
