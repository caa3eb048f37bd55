"""Our base45 (``bot.health.base45``, by table lookups) against RFC 9285's examples and
against another implementation (the ``base45`` package), and what it refuses."""

from __future__ import annotations

import base45 as reference
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health.base45 import ALPHABET, b45decode, b45encode

RFC_9285 = [  # section 4.3 and 4.4's examples
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
]


@pytest.mark.parametrize(("data", "text"), RFC_9285)
def test_the_rfc_examples(data: bytes, text: str) -> None:
    assert b45encode(data) == text
    assert b45decode(text) == data


def test_every_pair_and_every_last_byte_goes_there_and_back_as_the_reference_writes_it() -> None:
    pairs = b"".join(value.to_bytes(2, "big") for value in range(1 << 16))
    text = b45encode(pairs)
    assert text == reference.b45encode(pairs).decode()
    assert b45decode(text) == pairs
    for value in range(256):
        single = bytes((value,))
        assert b45encode(single) == reference.b45encode(single).decode()
        assert b45decode(b45encode(single)) == single


@given(st.binary(max_size=300))
def test_any_bytes_as_the_reference_writes_and_reads_them(data: bytes) -> None:
    text = b45encode(data)
    assert text == reference.b45encode(data).decode()
    assert b45decode(text) == data == reference.b45decode(text)


@pytest.mark.parametrize(
    "text",
    [
        "GGW",  # 65 536: one past the largest pair
        "ZZZ",
        "::",  # 2 024: a last pair stands for one byte, at most 255
        "A",  # 3n + 1 characters
        "BB8A",
        "bb8",  # lower case is not in the alphabet
        "BB\n",
        "BB8\n",  # the reference strips a trailing newline: one text, one spelling here
        "BB=",
    ],
)
def test_what_is_not_base45_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not base45"):
        b45decode(text)


@given(st.text(alphabet=ALPHABET + "abc\n=", max_size=40))
def test_decoding_any_text_either_refuses_or_agrees_with_the_reference(text: str) -> None:
    try:
        ours = b45decode(text)
    except ValueError:
        ours = None
    try:
        theirs = None if text.endswith("\n") else reference.b45decode(text)
    except ValueError:
        theirs = None
    assert ours == theirs
    if ours is not None:
        assert b45encode(ours) == text  # one spelling per bytes
