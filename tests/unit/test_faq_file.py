"""The FAQ file: the shipped one is complete in both languages, and a broken one is refused
with a message that names the entry and the field."""

from __future__ import annotations

import re

import pytest

from bot.faq.entries import FaqError
from bot.faq.files import default_faq_text, load_faq_file
from bot.faq.loading import load_faq

FAQ = load_faq(default_faq_text())
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_question_of_the_faq_is_answered_by_exactly_one_entry() -> None:
    numbers = sorted(n for entry in FAQ.entries for n in entry.source)
    assert numbers == list(range(1, 41))


def test_questions_that_share_an_answer_share_one_entry() -> None:
    shops = FAQ.entry("shops_public_places")
    assert shops is not None and set(shops.source) == {28, 29, 30, 33}


@pytest.mark.parametrize("entry", FAQ.entries, ids=lambda e: e.id)
def test_every_entry_speaks_both_languages(entry) -> None:
    for text in (entry.question.zh, entry.answer.zh, *entry.alternatives["zh"]):
        assert HAN.search(text), text
    for text in (entry.question.en, *entry.alternatives["en"]):
        assert not HAN.search(text), text
    # an English answer may name the FAQ's own terms in Chinese, in brackets, beside its words
    assert not HAN.search(re.sub(r"\([^)]*\)", "", entry.answer.en)), entry.answer.en
    assert entry.alternatives["zh"] and entry.alternatives["en"]


def test_the_answers_are_adapted_to_this_service() -> None:
    def answer(entry_id: str, lang: str = "zh") -> str:
        entry = FAQ.entry(entry_id)
        assert entry is not None
        return entry.answer_in(lang, "12345")

    assert "回复“申领”" in answer("how_to_apply") and "小程序" in answer("how_to_apply")
    assert '"apply"' in answer("how_to_apply", "en")
    assert "家人代办" in answer("elderly_no_phone") and "原有方式" in answer("elderly_no_phone")
    assert "12345" in answer("wrong_color") and "12345" in answer("wrong_color", "en")
    assert "88908890" not in default_faq_text()  # the hotline comes from the settings
    # the FAQ's own words, as residents were told them
    everything = "".join(e.answer.zh for e in FAQ.entries)
    for term in ("数字通行证", "居家医学观察", "家人代办", "原有方式", "互认", "实名认证"):
        assert term in everything, term


def test_the_faq_names_itself_for_the_source_line() -> None:
    assert FAQ.name.zh == "天津健康码答疑"
    assert FAQ.name.en == "Tianjin health code FAQ"


GOOD_ENTRY = """
[[entry]]
id = "one"
source = [1]
question_zh = "什么是健康码？"
question_en = "What is the code?"
alternatives_zh = ["健康码是什么"]
alternatives_en = ["what is it"]
answer_zh = "数字通行证。"
answer_en = "A digital pass."
"""
HEAD = '[faq]\nname_zh = "答疑"\nname_en = "FAQ"\n'


def broken(old: str, new: str) -> str:
    assert old in GOOD_ENTRY
    return HEAD + GOOD_ENTRY.replace(old, new)


def test_a_small_good_file_loads() -> None:
    faq = load_faq(HEAD + GOOD_ENTRY)
    assert [e.id for e in faq.entries] == ["one"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (broken('answer_en = "A digital pass."\n', ""), "entry 'one' has no answer_en"),
        (broken('id = "one"', 'id = "One entry"'), "id must be"),
        (broken("source = [1]", "source = []"), "entry 'one': source"),
        (broken('answer_zh = "数字通行证。"', 'answer_zh = "请拨 {phone}"'), "{phone}"),
        (broken('answer_en = "A digital pass."', 'answer_en = "数字通行证"'), "English"),
        (broken('question_zh = "什么是健康码？"', 'question_zh = "What?"'), "Chinese"),
        (broken('id = "one"', 'id = "one"\ncolour = "green"'), "unknown keys: colour"),
        (broken('alternatives_zh = ["健康码是什么"]', 'alternatives_zh = [""]'), "alternatives_zh"),
        (HEAD + GOOD_ENTRY + GOOD_ENTRY, "entry 'one' appears twice"),
        (HEAD + GOOD_ENTRY + GOOD_ENTRY.replace('"one"', '"two"'), "question 1 is already"),
        (GOOD_ENTRY, "[faq]"),
        (HEAD, "no [[entry]]"),
        (HEAD + '[synonyms.zh]\n"码" = [1]\n' + GOOD_ENTRY, "variants"),
        (
            HEAD + '[synonyms.zh]\n"健康码" = ["码"]\n"二维码" = ["码"]\n' + GOOD_ENTRY,
            "listed under",
        ),
        ("[faq", "not valid TOML"),
    ],
)
def test_a_broken_file_is_refused_naming_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(FaqError) as refused:
        load_faq(text)
    assert message in str(refused.value)


def test_a_file_on_disk_is_named_in_its_refusal(tmp_path) -> None:
    path = tmp_path / "faq.toml"
    path.write_text(HEAD, encoding="utf-8")
    with pytest.raises(FaqError, match=r"faq\.toml: the file has no"):
        load_faq_file(path)
    with pytest.raises(FaqError, match=r"missing\.toml"):
        load_faq_file(tmp_path / "missing.toml")
