"""The code token (docs/architecture.md): what it carries, and that nothing else gets through."""

from __future__ import annotations

import base64
import os
import struct
from datetime import UTC, datetime, timedelta

import base45
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health.colors import Color
from bot.health.tokens import (
    PREFIX,
    CodeToken,
    Keyring,
    SigningKey,
    TokenExpired,
    TokenInvalid,
    issue_token,
    jwks,
    kid_of,
    verify_token,
)

NOW = datetime(2020, 3, 7, 8, 30, tzinfo=UTC)
LIFETIME = timedelta(seconds=120)
CODE_ID = bytes(range(16))
# Fixed so that hypothesis examples stay reproducible across runs.
KEY = SigningKey.from_private_bytes(bytes.fromhex("11" * 32))
RING = Keyring(KEY)


def issue(
    keyring: Keyring = RING,
    *,
    color: Color = Color.ORANGE,
    rules_version: str = "2020.03-1",
    now: datetime = NOW,
) -> str:
    return issue_token(
        keyring,
        code_id=CODE_ID,
        color=color,
        region=120101,
        rules_version=rules_version,
        now=now,
        lifetime=LIFETIME,
    )


TOKEN = issue()


def signed_raw(payload: bytes, key: SigningKey = KEY) -> str:
    """A token around any payload, signed properly: for payloads issue_token would refuse."""
    return PREFIX + base45.b45encode(payload + key.sign(PREFIX.encode() + payload)).decode()


def test_round_trip_keeps_every_field() -> None:
    assert verify_token(RING, TOKEN, now=NOW) == CodeToken(
        version=1,
        kid=KEY.kid,
        region=120101,
        code_id=CODE_ID,
        color=Color.ORANGE,
        issued_at=NOW,
        expires_at=NOW + LIFETIME,
        rules_version="2020.03-1",
    )


@pytest.mark.parametrize("color", list(Color))
def test_each_colour_round_trips(color: Color) -> None:
    assert verify_token(RING, issue(color=color), now=NOW).color is color


def test_sub_second_issue_time_is_truncated() -> None:
    token = issue(now=NOW + timedelta(microseconds=999_999))
    assert verify_token(RING, token, now=NOW).issued_at == NOW


@pytest.mark.parametrize("rules_version", ["1", "r12", "2020.03-1", "x" * 16])
def test_token_is_short_and_qr_alphanumeric(rules_version: str) -> None:
    token = issue(rules_version=rules_version)
    assert len(token) <= 200
    assert set(token) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_lengths_are_known() -> None:
    # 157 characters is what QR version 8 holds at level Q; see bot.health.qr.
    assert len(issue(rules_version="r12")) == 157
    assert len(issue(rules_version="x" * 16)) == 177


def test_tokens_differ_by_code_id_and_time() -> None:
    assert issue() == issue()  # deterministic: Ed25519 needs no randomness
    assert issue(now=NOW + timedelta(seconds=1)) != TOKEN


# --- time ---------------------------------------------------------------------------------


def test_expired_within_skew_is_accepted() -> None:
    verify_token(RING, TOKEN, now=NOW + LIFETIME + timedelta(seconds=30))


def test_expired_beyond_skew_is_refused_with_the_token() -> None:
    with pytest.raises(TokenExpired) as caught:
        verify_token(RING, TOKEN, now=NOW + LIFETIME + timedelta(seconds=31))
    assert caught.value.token.code_id == CODE_ID


def test_issued_in_the_future_within_skew_is_accepted() -> None:
    verify_token(RING, TOKEN, now=NOW - timedelta(seconds=30))


def test_issued_in_the_future_beyond_skew_is_refused() -> None:
    with pytest.raises(TokenExpired):
        verify_token(RING, TOKEN, now=NOW - timedelta(seconds=31))


def test_skew_can_be_narrowed() -> None:
    with pytest.raises(TokenExpired):
        verify_token(RING, TOKEN, now=NOW + LIFETIME + timedelta(seconds=1), skew=timedelta(0))


# --- keys ---------------------------------------------------------------------------------


def test_unknown_kid_is_invalid() -> None:
    with pytest.raises(TokenInvalid) as caught:
        verify_token(Keyring(SigningKey.generate()), TOKEN, now=NOW)
    assert caught.value.reason == "unknown kid"


def test_token_of_a_rotated_key_verifies_while_its_public_key_is_trusted() -> None:
    ring = Keyring(SigningKey.generate())
    old_token = issue(ring)
    old = ring.current
    ring.rotate(SigningKey.generate())
    assert verify_token(ring, old_token, now=NOW).kid == old.kid
    assert verify_token(ring, issue(ring), now=NOW).kid == ring.current.kid != old.kid


def test_old_key_stops_verifying_once_dropped_from_the_ring() -> None:
    old = SigningKey.generate()
    old_token = issue(Keyring(old))
    new = SigningKey.generate()
    verify_token(Keyring(new, [old.public_bytes]), old_token, now=NOW)
    with pytest.raises(TokenInvalid, match="unknown kid"):
        verify_token(Keyring(new), old_token, now=NOW)


def test_trusting_another_regions_key_accepts_its_tokens() -> None:
    beijing = Keyring(SigningKey.generate())
    ours = Keyring(SigningKey.generate())
    ours.trust(beijing.current.public_bytes)
    assert verify_token(ours, issue(beijing), now=NOW).kid == beijing.current.kid


def test_every_key_sharing_a_kid_is_tried() -> None:
    impostor = SigningKey.generate()

    class CollidingRing(Keyring):
        def keys_for(self, kid: bytes) -> list:
            # As if another key had the same kid, listed first.
            return [Keyring(impostor).keys_for(impostor.kid)[0], *super().keys_for(kid)]

    assert verify_token(CollidingRing(KEY), TOKEN, now=NOW).kid == KEY.kid


def test_a_key_with_the_right_kid_but_the_wrong_signature_is_refused() -> None:
    forged = signed_raw(base45.b45decode(TOKEN[4:])[:-64], SigningKey.generate())
    with pytest.raises(TokenInvalid) as caught:
        verify_token(RING, forged, now=NOW)
    assert caught.value.reason == "signature"


def test_signing_key_round_trips_its_private_bytes() -> None:
    again = SigningKey.from_private_bytes(KEY.private_bytes())
    assert (again.public_bytes, again.kid) == (KEY.public_bytes, KEY.kid)
    assert KEY.kid == kid_of(KEY.public_bytes) and len(KEY.kid) == 8
    assert KEY.private_bytes().hex() not in repr(KEY)


def test_jwks_publishes_every_public_key() -> None:
    other = SigningKey.generate()
    document = jwks(Keyring(KEY, [other.public_bytes, other.public_bytes]))
    assert [key["kid"] for key in document["keys"]] == [KEY.kid.hex(), other.kid.hex()]
    first = document["keys"][0]
    assert {k: v for k, v in first.items() if k not in ("x", "kid")} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "use": "sig",
        "alg": "EdDSA",
    }
    assert "=" not in first["x"]
    assert base64.urlsafe_b64decode(first["x"] + "=") == KEY.public_bytes


# --- refusing what cannot be trusted ------------------------------------------------------


def reason_of(token: object) -> str:
    with pytest.raises(TokenInvalid) as caught:
        verify_token(RING, token, now=NOW)  # type: ignore[arg-type]
    return caught.value.reason


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (None, "not text"),
        (TOKEN.encode(), "not text"),
        ("", "prefix"),
        ("hc1:" + TOKEN[4:], "prefix"),
        (TOKEN[4:], "prefix"),
        (TOKEN + "A" * 500, "length"),
        (TOKEN + "\n", "encoding"),
        (TOKEN.lower().replace("hc1:", "HC1:"), "encoding"),
        (TOKEN[:-2], "encoding"),
        ("HC1:", "length"),
        (TOKEN[:94], "length"),
        ("HC1:" + "A" * 90, "version"),
        (TOKEN[:-3], "signature"),
    ],
)
def test_malformed_tokens_are_invalid_with_a_reason(token: object, reason: str) -> None:
    assert reason_of(token) == reason


def test_unsupported_version_is_invalid() -> None:
    raw = bytearray(base45.b45decode(TOKEN[4:]))
    raw[0] = 3  # 2 is a paper code's reference token (tests/unit/test_reference_tokens.py)
    assert reason_of(signed_raw(bytes(raw[:-64]))) == "version"


def test_signed_but_malformed_payload_is_invalid() -> None:
    payload = struct.pack(">B8s3s16sBIH", 1, KEY.kid, b"\x01\xd5\x25", CODE_ID, 9, 1, 120)
    assert reason_of(signed_raw(payload + b"r1")) == "payload"
    colour_ok = payload[:28] + b"\x01" + payload[29:]
    assert reason_of(signed_raw(colour_ok + b"\x00")) == "payload"
    assert verify_token(RING, signed_raw(colour_ok + b"r1"), now=datetime(1970, 1, 1, tzinfo=UTC))


@given(st.data())
def test_any_single_character_change_is_invalid(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(TOKEN) - 1))
    char = data.draw(st.characters().filter(lambda c: c != TOKEN[index]))
    with pytest.raises(TokenInvalid):
        verify_token(RING, TOKEN[:index] + char + TOKEN[index + 1 :], now=NOW)


@given(st.data())
def test_any_single_byte_change_is_invalid(data: st.DataObject) -> None:
    raw = bytearray(base45.b45decode(TOKEN[4:]))
    index = data.draw(st.integers(0, len(raw) - 1))
    raw[index] = data.draw(st.integers(0, 255).filter(lambda b: b != raw[index]))
    with pytest.raises(TokenInvalid):
        verify_token(RING, PREFIX + base45.b45encode(bytes(raw)).decode(), now=NOW)


@given(st.text())
def test_arbitrary_text_is_only_ever_invalid(text: str) -> None:
    with pytest.raises(TokenInvalid):
        verify_token(RING, text, now=NOW)


@given(st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", max_size=300))
def test_arbitrary_base45_is_only_ever_invalid(body: str) -> None:
    with pytest.raises(TokenInvalid):
        verify_token(RING, PREFIX + body, now=NOW)


@given(st.binary(max_size=200))
def test_arbitrary_bytes_with_our_kid_are_only_ever_invalid(tail: bytes) -> None:
    token = PREFIX + base45.b45encode(b"\x01" + KEY.kid + tail).decode()
    with pytest.raises(TokenInvalid):
        verify_token(RING, token, now=NOW)


# --- what issue_token refuses to sign -----------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"code_id": b"short"},
        {"region": 1 << 24},
        {"region": -1},
        {"rules_version": ""},
        {"rules_version": "x" * 17},
        {"rules_version": "规则1"},
        {"rules_version": "has space"},
        {"now": datetime(2020, 3, 7, 8, 30)},
        {"now": datetime(1969, 12, 31, tzinfo=UTC)},
        {"lifetime": timedelta(0)},
        {"lifetime": timedelta(days=1)},
    ],
)
def test_unrepresentable_fields_are_refused(change: dict) -> None:
    fields = {
        "code_id": os.urandom(16),
        "color": Color.GREEN,
        "region": 120101,
        "rules_version": "r1",
        "now": NOW,
        "lifetime": LIFETIME,
    }
    with pytest.raises(ValueError):
        issue_token(RING, **{**fields, **change})


# --- colours ------------------------------------------------------------------------------


def test_worst_colour_wins() -> None:
    assert Color.worst(Color.GREEN, Color.RED, Color.ORANGE) is Color.RED
    assert Color.worst(Color.GREEN, Color.ORANGE) is Color.ORANGE
    assert Color.worst(Color.GREEN) is Color.GREEN
    assert [c.severity for c in (Color.GREEN, Color.ORANGE, Color.RED)] == [0, 1, 2]


def test_worst_of_nothing_is_an_error_not_green() -> None:
    with pytest.raises(ValueError):
        Color.worst()
