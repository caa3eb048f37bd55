"""The declaration's own parsers: any text gets a value or a sentence, never a crash."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.conversation.parsers import parse_return_date, parse_yes_no
from bot.health.errors import InvalidInput

TODAY = date(2026, 12, 1)


@given(st.text(max_size=40))
def test_yes_no_answers_a_bool_or_the_sentence_that_says_which_words_work(raw: str) -> None:
    try:
        assert parse_yes_no(raw) in (True, False)
    except InvalidInput as refusal:
        assert refusal.code == "declare.yes_no"


@given(st.text(max_size=40))
def test_a_return_date_is_a_day_or_a_sentence(raw: str) -> None:
    try:
        day = parse_return_date(raw, TODAY)
    except InvalidInput as refusal:
        assert refusal.code.startswith("declare.date_")
    else:
        assert (TODAY - day).days in range(15)


@pytest.mark.parametrize("raw", ["2026-11-31", "2026-02-29", "2026-13-01", "2026年11月31日"])
def test_a_day_that_does_not_exist_is_named(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_return_date(raw, TODAY)
    assert refused.value.code == "declare.date_not_exist"
    assert refused.value.params["date"].startswith("2026-")


@pytest.mark.parametrize("raw", ["yesterday", "11-30", "2026/11"])
def test_a_date_in_another_form_is_said_to_be_the_wrong_form(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_return_date(raw, TODAY)
    assert refused.value.code == "declare.date_format"
