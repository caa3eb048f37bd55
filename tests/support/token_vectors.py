"""The negative token vectors of ``tests/data/token_vectors.json``, made from fixed test keys.

Regenerate after changing a generator (the test checks the file is what this makes)::

    .venv/bin/python -m tests.support.token_vectors

Each vector names the stage of the scan that must refuse it, the verdict and the ``reason`` the
scan answers (docs/trust.md). The scan under test runs as Tianjin (``OURS``) at ``NOW``, with
Beijing trusted (``BEIJING``, fresh) and Hebei trusted but stale (``HEBEI``); see
``tests/e2e/test_token_vectors.py``. Ed25519 signatures are deterministic, so the same keys
and moments give the same file, byte for byte.

A new stage adds a generator to ``GENERATORS``: a function returning ``Vector``s.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import base45

from bot.health.colors import Color
from bot.health.tokens import PREFIX, Keyring, SigningKey, issue_reference_token, issue_token

FILE = Path(__file__).resolve().parents[1] / "data" / "token_vectors.json"
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
LIFETIME = timedelta(seconds=120)
CODE_ID = bytes.fromhex("00112233445566778899aabbccddeeff")  # no such code in any database
# the printed code (a paper code, docs/paper-code.md) the "revoked printed code" setup revokes
REVOKED_PRINTED = bytes.fromhex("ffeeddccbbaa99887766554433221100")

# Test keys: fixed seeds, never used outside the tests.
OURS = SigningKey.from_private_bytes(bytes.fromhex("a0" * 32))  # Tianjin, 120000
BEIJING = SigningKey.from_private_bytes(bytes.fromhex("b0" * 32))  # trusted, fresh
BEIJING_UNLISTED = SigningKey.from_private_bytes(bytes.fromhex("b9" * 32))  # not in its list
HEBEI = SigningKey.from_private_bytes(bytes.fromhex("c0" * 32))  # trusted, list gone stale
SHANXI = SigningKey.from_private_bytes(bytes.fromhex("d0" * 32))  # not trusted
STRANGER = SigningKey.from_private_bytes(bytes.fromhex("e0" * 32))  # nobody's
TIANJIN_CODE, BEIJING_CODE, HEBEI_CODE, SHANXI_CODE = 120000, 110000, 130000, 140000
TRUSTED_DAYS = 7
# Hebei was added this long before NOW for TRUSTED_DAYS: its list is stale at NOW.
HEBEI_ADDED_BEFORE = timedelta(days=8)

_SIG = 64
_COLOR_AT, _ISSUED_AT, _LIFETIME_AT = 28, 29, 33  # byte offsets in the payload (tokens.py)


@dataclass(frozen=True)
class Vector:
    name: str
    stage: str
    token: str
    verdict: str  # invalid | expired
    reason: str
    needs: str | None = None  # rows the scan needs first (tests/e2e/test_token_vectors.py SETUPS)


def token(
    key: SigningKey,
    region: int,
    color: Color = Color.GREEN,
    *,
    at: timedelta = timedelta(0),
    lifetime: timedelta = LIFETIME,
) -> str:
    return issue_token(
        Keyring(key),
        code_id=CODE_ID,
        color=color,
        region=region,
        rules_version="r1",
        now=NOW + at,
        lifetime=lifetime,
    )


def raw(text: str) -> bytes:
    return base45.b45decode(text.removeprefix(PREFIX))


def wrap(data: bytes) -> str:
    return PREFIX + base45.b45encode(data).decode("ascii")


def signed(payload: bytes, key: SigningKey) -> str:
    """Any payload, properly signed: what a key's holder could make."""
    return wrap(payload + key.sign(PREFIX.encode() + payload))


def altered(text: str, offset: int, value: bytes) -> str:
    """``text`` with payload bytes at ``offset`` replaced, the signature left as it was."""
    data = bytearray(raw(text))
    data[offset : offset + len(value)] = value
    return wrap(bytes(data))


def with_region(key: SigningKey, region: int) -> str:
    payload = raw(token(key, TIANJIN_CODE))[:-_SIG]
    return signed(payload[:9] + region.to_bytes(3, "big") + payload[12:], key)


def _prefix() -> list[Vector]:
    good = token(OURS, TIANJIN_CODE)
    return [
        Vector("lower-case prefix", "prefix", "hc1:" + good[4:], "invalid", "prefix"),
        Vector("another scheme's prefix", "prefix", "HC2:" + good[4:], "invalid", "prefix"),
        Vector("no colon", "prefix", "HC1" + good[4:], "invalid", "prefix"),
        Vector("a URL", "prefix", "https://example.org/c/abc", "invalid", "prefix"),
        Vector("leading space", "prefix", " " + good, "invalid", "prefix"),
    ]


def _base45() -> list[Vector]:
    good = token(OURS, TIANJIN_CODE)
    return [
        Vector("lower-case body", "base45", PREFIX + good[4:].lower(), "invalid", "base45"),
        Vector("not an alphabet character", "base45", good[:20] + "@" + good[21:], "invalid",
               "base45"),
        Vector("triplet over 65535", "base45", PREFIX + "GGW" * 40, "invalid", "base45"),
        # base45 takes characters in twos and threes: one left over is no byte at all
        Vector("a dangling character", "base45", good + "A" * ((1 - len(good[4:])) % 3 or 3),
               "invalid", "base45"),
        Vector("trailing newline", "base45", good + "\n", "invalid", "base45"),
    ]  # fmt: skip


def _length() -> list[Vector]:
    good = raw(token(OURS, TIANJIN_CODE))
    return [
        Vector("prefix alone", "length", PREFIX, "invalid", "length"),
        Vector("cut short", "length", wrap(good[:60]), "invalid", "length"),
        Vector("no signature", "length", wrap(good[:-_SIG]), "invalid", "length"),
        Vector("far too long", "length", wrap(good + bytes(200)), "invalid", "length"),
    ]


def _format_version() -> list[Vector]:
    payload = raw(token(OURS, TIANJIN_CODE))[:-_SIG]
    return [
        Vector(f"format version {v}", "format version", signed(bytes([v]) + payload[1:], OURS),
               "invalid", "format version")
        for v in (0, 3, 255)  # 2 is a paper code's reference token (_reference below)
    ]  # fmt: skip


def _unknown_region() -> list[Vector]:
    return [
        Vector(f"region {region}", "unknown region", with_region(OURS, region), "invalid",
               "unknown region")
        for region in (0, 99_999, 1_000_000)
    ]  # fmt: skip


def _untrusted_region() -> list[Vector]:
    return [
        Vector("Shanxi, not trusted", "untrusted region", token(SHANXI, SHANXI_CODE), "invalid",
               "untrusted issuer"),
        Vector("Shanghai, not trusted", "untrusted region", token(STRANGER, 310000), "invalid",
               "untrusted issuer"),
        Vector("a Hebei city, not Hebei", "untrusted region", token(HEBEI, 130100), "invalid",
               "untrusted issuer"),
    ]  # fmt: skip


def _unknown_kid() -> list[Vector]:
    stage, reason = "unknown kid", "unknown key"
    return [
        Vector("Beijing, a key not in its list", stage, token(BEIJING_UNLISTED, BEIJING_CODE),
               "invalid", reason),
        Vector("ours, a stranger's key", stage, token(STRANGER, TIANJIN_CODE), "invalid", reason),
        Vector("ours, signed with Beijing's key", stage, token(BEIJING, TIANJIN_CODE), "invalid",
               reason),
        Vector("Beijing, signed with our key", stage, token(OURS, BEIJING_CODE), "invalid", reason),
    ]  # fmt: skip


def _bad_signature() -> list[Vector]:
    ours, beijing = raw(token(OURS, TIANJIN_CODE)), raw(token(BEIJING, BEIJING_CODE))

    def flipped(data: bytes, at: int) -> str:
        return wrap(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])

    stage, reason = "bad signature", "bad signature"
    return [
        Vector("ours, a signature bit flipped", stage, flipped(ours, len(ours) - 1), "invalid",
               reason),
        Vector("Beijing, a signature bit flipped", stage, flipped(beijing, len(beijing) - 30),
               "invalid", reason),
        Vector("ours, signature zeroed", stage, wrap(ours[:-_SIG] + bytes(_SIG)), "invalid",
               reason),
        Vector("ours, another code id", stage, flipped(ours, 14), "invalid", reason),
        Vector("Beijing, another rules version", stage, flipped(beijing, 35), "invalid", reason),
    ]  # fmt: skip


def _altered_colour() -> list[Vector]:
    stage, reason = "altered colour", "bad signature"
    red_ours, red_beijing = (
        token(OURS, TIANJIN_CODE, Color.RED),
        token(BEIJING, BEIJING_CODE, Color.RED),
    )
    return [
        Vector("ours, red made green", stage, altered(red_ours, _COLOR_AT, b"\x01"), "invalid",
               reason),
        Vector("Beijing, red made green", stage, altered(red_beijing, _COLOR_AT, b"\x01"),
               "invalid", reason),
        Vector("Beijing, orange made green", stage,
               altered(token(BEIJING, BEIJING_CODE, Color.ORANGE), _COLOR_AT, b"\x01"), "invalid",
               reason),
    ]  # fmt: skip


def _altered_expiry() -> list[Vector]:
    stage, reason = "altered expiry", "bad signature"
    old_ours = token(OURS, TIANJIN_CODE, at=-timedelta(hours=1))
    old_beijing = token(BEIJING, BEIJING_CODE, at=-timedelta(hours=1))
    later = int((NOW - timedelta(seconds=10)).timestamp()).to_bytes(4, "big")
    return [
        Vector("ours, lifetime stretched to 18 h", stage,
               altered(old_ours, _LIFETIME_AT, b"\xff\xff"), "invalid", reason),
        Vector("Beijing, lifetime stretched to 18 h", stage,
               altered(old_beijing, _LIFETIME_AT, b"\xff\xff"), "invalid", reason),
        Vector("Beijing, issued an hour later", stage, altered(old_beijing, _ISSUED_AT, later),
               "invalid", reason),
    ]  # fmt: skip


def _future() -> list[Vector]:
    stage, reason = "issued in the future beyond the skew", "not yet valid"
    return [
        Vector("ours, 31 s ahead", stage, token(OURS, TIANJIN_CODE, at=timedelta(seconds=31)),
               "expired", reason),
        Vector("ours, a day ahead", stage, token(OURS, TIANJIN_CODE, at=timedelta(days=1)),
               "expired", reason),
        Vector("Beijing, 31 s ahead", stage, token(BEIJING, BEIJING_CODE, at=timedelta(seconds=31)),
               "expired", reason),
    ]  # fmt: skip


def _expired() -> list[Vector]:
    stage, reason = "expired", "expired"
    return [
        Vector("ours, 151 s old", stage, token(OURS, TIANJIN_CODE, at=-timedelta(seconds=151)),
               "expired", reason),
        Vector("ours, a day old", stage, token(OURS, TIANJIN_CODE, at=-timedelta(days=1)),
               "expired", reason),
        Vector("Beijing, 151 s old", stage,
               token(BEIJING, BEIJING_CODE, at=-timedelta(seconds=151)), "expired", reason),
    ]  # fmt: skip


def _stale_trust_list() -> list[Vector]:
    stage, reason = "stale trust list", "stale trust list"
    return [
        Vector("Hebei, green", stage, token(HEBEI, HEBEI_CODE), "invalid", reason),
        Vector("Hebei, red", stage, token(HEBEI, HEBEI_CODE, Color.RED), "invalid", reason),
        Vector("Hebei, a key not in its list", stage, token(STRANGER, HEBEI_CODE), "invalid",
               reason),
    ]  # fmt: skip


def _payload() -> list[Vector]:
    payload = raw(token(OURS, TIANJIN_CODE))[:-_SIG]
    no_colour = payload[:_COLOR_AT] + b"\x00" + payload[_COLOR_AT + 1 :]
    no_life = payload[:_LIFETIME_AT] + b"\x00\x00" + payload[_LIFETIME_AT + 2 :]
    return [
        Vector("ours, signed with no colour", "payload", signed(no_colour, OURS), "invalid",
               "bad payload"),
        Vector("ours, signed with no lifetime", "payload", signed(no_life, OURS), "invalid",
               "bad payload"),
        Vector("ours, a rules version with a space", "payload",
               signed(payload[:-2] + b"r ", OURS), "invalid", "bad payload"),
    ]  # fmt: skip


def _unknown_code() -> list[Vector]:
    return [
        Vector("ours, genuine, no such code", "live status", token(OURS, TIANJIN_CODE),
               "invalid", "unknown code"),
    ]  # fmt: skip


def paper(key: SigningKey, region: int, printed_id: bytes = REVOKED_PRINTED) -> str:
    """A paper code's reference token, printed a month before NOW."""
    printed = NOW - timedelta(days=30)
    return issue_reference_token(Keyring(key), printed_id=printed_id, region=region, now=printed)


def _reference() -> list[Vector]:
    """Paper codes (docs/paper-code.md): revoked ones, and another region's where only its
    issuer can read the live colour."""
    return [
        Vector("ours, a paper code printed again since", "revoked reference",
               paper(OURS, TIANJIN_CODE), "invalid", "revoked", needs="revoked printed code"),
        Vector("ours, a paper code whose person was erased", "revoked reference",
               paper(OURS, TIANJIN_CODE, CODE_ID), "invalid", "revoked"),
        Vector("Beijing's paper code at our checkpoint", "reference token not allowed",
               paper(BEIJING, BEIJING_CODE), "invalid", "reference token"),
        Vector("Hebei's paper code at our checkpoint", "reference token not allowed",
               paper(HEBEI, HEBEI_CODE), "invalid", "reference token"),
        Vector("a paper code of a region nobody trusts", "reference token not allowed",
               paper(SHANXI, SHANXI_CODE), "invalid", "reference token"),
    ]  # fmt: skip


GENERATORS: list[Callable[[], list[Vector]]] = [
    _prefix,
    _base45,
    _length,
    _format_version,
    _unknown_region,
    _untrusted_region,
    _unknown_kid,
    _bad_signature,
    _altered_colour,
    _altered_expiry,
    _future,
    _expired,
    _stale_trust_list,
    _payload,
    _unknown_code,
    _reference,
]


def document() -> dict:
    vectors = [
        {key: value for key, value in asdict(vector).items() if value is not None}
        for generate in GENERATORS
        for vector in generate()
    ]
    return {
        "about": "Bad health-code tokens, each named by the scan stage that must refuse it. "
        "Made by tests/support/token_vectors.py from fixed test keys; run by "
        "tests/e2e/test_token_vectors.py.",
        "now": NOW.isoformat(),
        "issuer": TIANJIN_CODE,
        "trusted": {"fresh": [BEIJING_CODE], "stale": [HEBEI_CODE]},
        "vectors": vectors,
    }


def text() -> str:
    return json.dumps(document(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    FILE.parent.mkdir(parents=True, exist_ok=True)
    FILE.write_text(text(), encoding="utf-8")
    print(f"{len(document()['vectors'])} vectors written to {FILE}", file=sys.stderr)
