"""The 交接码 itself: made at random from Crockford's alphabet, read back however it is typed,
and found in a chat message that carries it after its command."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.conversation.commands import TRANSFER, command_of, transfer_code_in
from bot.health.errors import InvalidInput
from bot.health.transfer_codes import (
    ALPHABET,
    LENGTH,
    display_transfer_code,
    new_transfer_code,
    parse_transfer_code,
)

codes = st.text(alphabet=ALPHABET, min_size=LENGTH, max_size=LENGTH)


def test_a_new_code_is_eight_characters_of_the_alphabet_and_never_the_same() -> None:
    made = {new_transfer_code() for _ in range(2000)}
    assert len(made) == 2000  # 2⁴⁰ codes: a repeat here would mean a broken generator
    assert all(len(code) == LENGTH and set(code) <= set(ALPHABET) for code in made)
    assert len(set(ALPHABET)) == 32 and not set("ILOU") & set(ALPHABET)


@given(codes)
def test_a_code_is_read_back_as_shown_as_typed_in_lower_case_or_full_width(code: str) -> None:
    shown = display_transfer_code(code)
    assert shown == f"{code[:4]}-{code[4:]}"
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in shown.lower())
    for typed in (code, shown, shown.lower(), f" {code[:4]} {code[4:]} ", full_width):
        assert parse_transfer_code(typed) == code


def test_letters_that_look_like_digits_are_read_as_the_digits() -> None:
    assert parse_transfer_code("OIL0-1234") == "01101234"


@pytest.mark.parametrize(
    "typed", ["", "K7Q2", "K7Q2-M9XD-1", "K7Q2-M9XU", "交接码交接码交接", "K7Q2\x00M9XD"]
)
def test_anything_else_is_refused_with_its_sentence(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_transfer_code(typed)
    assert refused.value.code == "transfer.code_format" and refused.value.params == {"length": 8}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("交接码 K7Q2-M9XD", "K7Q2-M9XD"),
        ("交接码K7Q2M9XD", "K7Q2M9XD"),
        ("交接码：k7q2 m9xd", "k7q2 m9xd"),
        ("Handover K7Q2-M9XD", "K7Q2-M9XD"),
        ("transfer code: K7Q2", "K7Q2"),
        ("交接码", None),
        ("handover", None),
        ("handoverK7Q2M9XD", None),
        ("申领", None),
    ],
)
def test_a_code_after_its_command_is_found_in_the_message(text: str, code: str | None) -> None:
    assert transfer_code_in(text) == code


def test_the_command_alone_in_either_language() -> None:
    assert {command_of(word) for word in ("交接码", "handover", "Hand over", "转")} == {
        TRANSFER,
        None,
    }
