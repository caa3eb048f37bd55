"""Another region's published keys (bot/health/key_sets.py): only Ed25519 signing keys, each
kid the one a token would carry, and every other document refused with a sentence."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health.key_sets import MAX_KEYS, KeySetError, parse_key_set
from bot.health.tokens import Keyring, SigningKey, jwks

KEY = SigningKey.from_private_bytes(bytes.fromhex("22" * 32))
OLD = SigningKey.from_private_bytes(bytes.fromhex("33" * 32))
SET = jwks(Keyring(KEY, [OLD.public_bytes]))


def key(**changes: object) -> dict:
    return {**SET["keys"][0], **changes}


def test_our_own_published_set_reads_back() -> None:
    published = parse_key_set(SET | {"region": {"adcode": 120000, "name": "天津市"}})
    assert [k.kid for k in published.keys] == [KEY.kid, OLD.kid]
    assert [k.public_bytes for k in published.keys] == [KEY.public_bytes, OLD.public_bytes]
    assert (published.region, published.name, published.name_en) == (120000, "天津市", None)


def test_kid_use_and_alg_are_optional() -> None:
    bare = {"kty": "OKP", "crv": "Ed25519", "x": SET["keys"][0]["x"]}
    assert parse_key_set({"keys": [bare]}).keys[0].kid == KEY.kid


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be a JSON object"),
        ({}, '"keys" must be a list'),
        ({"keys": []}, '"keys" must be a list of at least one'),
        ({"keys": "abc"}, '"keys" must be a list'),
        ({"keys": ["abc"]}, "key 1: must be a JSON object"),
        ({"keys": [key(d="secret")]}, "holds a private key"),
        ({"keys": [key(kty="RSA")]}, "only Ed25519"),
        ({"keys": [key(crv="X25519")]}, "only Ed25519"),
        ({"keys": [key(use="enc")]}, "must be a signing key"),
        ({"keys": [key(alg="ES256")]}, "must be a signing key"),
        ({"keys": [key(x="short")]}, "x must be 32 bytes"),
        ({"keys": [key(x=SET["keys"][0]["x"] + "=")]}, "x must be 32 bytes"),
        ({"keys": [key(x=SET["keys"][0]["x"][:-1] + "/")]}, "x must be 32 bytes"),
        ({"keys": [key(x=12)]}, "x must be 32 bytes"),
        ({"keys": [key(kid="0011223344556677")]}, "is not the key's"),
        ({"keys": [key(), key()]}, "listed twice"),
        ({"keys": [key()] * (MAX_KEYS + 1)}, "too many keys"),
    ],
)
def test_a_bad_key_set_is_refused_with_a_sentence(document: object, message: str) -> None:
    with pytest.raises(KeySetError, match=message):
        parse_key_set(document)


def test_a_non_canonical_x_is_refused() -> None:
    x = SET["keys"][0]["x"]
    # the last character carries 2 unused bits: another text for the same 32 bytes
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    other = alphabet[alphabet.index(x[-1]) ^ 1]
    with pytest.raises(KeySetError, match="x must be 32 bytes"):
        parse_key_set({"keys": [key(x=x[:-1] + other, kid=KEY.kid.hex())]})


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
    )
)
def test_any_json_is_a_key_set_or_a_key_set_error(document: object) -> None:
    with contextlib.suppress(KeySetError):
        parse_key_set(document)
