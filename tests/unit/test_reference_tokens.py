"""A paper code's reference token (docs/paper-code.md): what it carries, that a live-token
check refuses it, and that nothing else passes for one."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

import base45
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health.colors import Color
from bot.health.qr import version_for
from bot.health.tokens import (
    PREFIX,
    Keyring,
    ReferenceNotAllowed,
    ReferenceToken,
    SigningKey,
    TokenInvalid,
    issue_reference_token,
    issue_token,
    reference_region,
    verify_reference_token,
    verify_token,
)

NOW = datetime(2020, 3, 7, 8, 30, tzinfo=UTC)
PRINTED = bytes(range(100, 116))
KEY = SigningKey.from_private_bytes(bytes.fromhex("22" * 32))
RING = Keyring(KEY)
PAPER = issue_reference_token(RING, printed_id=PRINTED, region=120000, now=NOW)


def reason_of(verify, token: object) -> str:
    with pytest.raises(TokenInvalid) as refused:
        verify(RING, token, now=NOW)
    return refused.value.reason


def test_a_reference_token_names_the_printed_code_and_no_colour() -> None:
    claims = verify_reference_token(RING, PAPER, now=NOW + timedelta(days=400))
    assert claims == ReferenceToken(2, KEY.kid, 120000, PRINTED, NOW)
    raw = base45.b45decode(PAPER.removeprefix(PREFIX))
    assert len(raw) == 32 + 64  # version, kid, region, printed id, issued; the signature
    assert version_for(len(PAPER)) <= 8  # a QR of version 8 at level Q, as live tokens


def test_it_is_the_same_text_every_time_it_is_signed() -> None:
    again = issue_reference_token(RING, printed_id=PRINTED, region=120000, now=NOW)
    assert again == PAPER


def test_where_a_live_token_is_expected_it_is_refused_by_name() -> None:
    with pytest.raises(ReferenceNotAllowed):
        verify_token(RING, PAPER, now=NOW)
    assert reason_of(verify_token, PAPER) == "reference token"


def test_a_live_token_is_not_a_reference_token() -> None:
    live = issue_token(
        RING,
        code_id=PRINTED,
        color=Color.GREEN,
        region=120000,
        rules_version="1",
        now=NOW,
        lifetime=timedelta(seconds=120),
    )
    assert reason_of(verify_reference_token, live) == "version"


def test_another_key_or_an_altered_byte_is_refused() -> None:
    stranger = Keyring(SigningKey.generate())
    forged = issue_reference_token(stranger, printed_id=PRINTED, region=120000, now=NOW)
    assert reason_of(verify_reference_token, forged) == "unknown kid"
    raw = bytearray(base45.b45decode(PAPER.removeprefix(PREFIX)))
    raw[20] ^= 1  # a byte of the printed id
    altered = PREFIX + base45.b45encode(bytes(raw)).decode()
    assert reason_of(verify_reference_token, altered) == "signature"


def test_its_region_is_read_before_any_signature_check() -> None:
    stranger = Keyring(SigningKey.generate())
    beijing = issue_reference_token(stranger, printed_id=PRINTED, region=110000, now=NOW)
    assert reference_region(beijing) == 110000 and reference_region(PAPER) == 120000
    with pytest.raises(TokenInvalid):
        reference_region("HC1:" + "A" * 144)


def test_a_printing_time_beyond_the_skew_is_refused() -> None:
    ahead = issue_reference_token(
        RING, printed_id=PRINTED, region=120000, now=NOW + timedelta(seconds=31)
    )
    assert reason_of(verify_reference_token, ahead) == "issued in the future"
    near = issue_reference_token(
        RING, printed_id=PRINTED, region=120000, now=NOW + timedelta(seconds=30)
    )
    assert verify_reference_token(RING, near, now=NOW).printed_id == PRINTED


def test_a_wrong_length_is_refused() -> None:
    raw = base45.b45decode(PAPER.removeprefix(PREFIX))
    payload = raw[:-64] + b"x"
    longer = PREFIX + base45.b45encode(payload + KEY.sign(PREFIX.encode() + payload)).decode()
    assert reason_of(verify_reference_token, longer) == "length"


def test_fields_that_cannot_be_signed_are_refused() -> None:
    with pytest.raises(ValueError):
        issue_reference_token(RING, printed_id=b"short", region=120000, now=NOW)
    with pytest.raises(ValueError):
        issue_reference_token(RING, printed_id=PRINTED, region=1 << 24, now=NOW)
    with pytest.raises(ValueError):
        issue_reference_token(RING, printed_id=PRINTED, region=120000, now=NOW.replace(tzinfo=None))


@given(st.integers(0, 95), st.integers(1, 255))
def test_no_change_of_any_byte_is_accepted(position: int, flip: int) -> None:
    raw = bytearray(base45.b45decode(PAPER.removeprefix(PREFIX)))
    raw[position] ^= flip
    changed = PREFIX + base45.b45encode(bytes(raw)).decode()
    with pytest.raises(TokenInvalid):
        verify_reference_token(RING, changed, now=NOW)


def test_the_payload_layout_is_the_documented_one() -> None:
    raw = base45.b45decode(PAPER.removeprefix(PREFIX))
    version, kid, region, printed, issued = struct.unpack(">B8s3s16sI", raw[:32])
    assert (version, kid, int.from_bytes(region, "big"), printed) == (2, KEY.kid, 120000, PRINTED)
    assert issued == int(NOW.timestamp())
