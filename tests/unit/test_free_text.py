"""Free text kept for officials: every document and phone number masked, the words kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health.free_text import mask_numbers


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的身份证11010519491231002X怎么是红码", "我的身份证1101**********002X怎么是红码"),
        ("电话13812345678打不通", "电话138****5678打不通"),
        ("手机 138 1234 5678", "手机 138****5678"),
        ("passport E12345678 ok?", "passport E1*****78 ok?"),
        ("香港 +85291234567", "香港 +852****4567"),
        ("港澳通行证H12345678能用吗", "港澳通行证H1*****78能用吗"),
        ("隔离14天，体温37.3度", "隔离14天，体温37.3度"),
        ("截图的绿码能用吗", "截图的绿码能用吗"),
    ],
)
def test_numbers_are_masked_and_words_kept(text: str, masked: str) -> None:
    assert mask_numbers(text) == masked


@given(st.from_regex(r"1[3-9]\d{9}|[1-6]\d{16}[\dX]", fullmatch=True), st.text(max_size=20))
def test_no_whole_number_survives_whatever_surrounds_it(number: str, words: str) -> None:
    masked = mask_numbers(f"{words} {number} {words}")
    assert number not in masked
