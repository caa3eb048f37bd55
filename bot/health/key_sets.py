"""Another region's published keys (a JWK Set, RFC 7517, of RFC 8037 OKP keys): read and
checked before we trust a single one of them.

Only Ed25519 public keys are taken: a token names its signer by the first 8 bytes of SHA-256
over the raw public key (bot/health/tokens.py), so every kid is computed here from ``x`` and a
``kid`` the set states must agree with it. A set carrying a private part (``d``), a key of
another type or curve, or a key meant for encryption is refused whole: a publisher that gets
that wrong is not one to take keys from.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from bot.health.tokens import kid_of

MAX_KEYS = 32
_BASE64URL = re.compile(r"[A-Za-z0-9_-]{43}")


class KeySetError(ValueError):
    """The document is not a key set we can trust; the message says what is wrong."""


@dataclass(frozen=True)
class PublishedKey:
    kid: bytes
    public_bytes: bytes


@dataclass(frozen=True)
class PublishedKeys:
    keys: tuple[PublishedKey, ...]
    # the region the publisher says it is ({"adcode", "name", "name_en"}), when it says so
    region: int | None = None
    name: str | None = None
    name_en: str | None = None


def parse_key_set(document: object) -> PublishedKeys:
    """The keys of a decoded JWKS document; ``KeySetError`` for anything else."""
    if not isinstance(document, dict):
        raise KeySetError("not a JWK Set: the document must be a JSON object")
    keys = document.get("keys")
    if not isinstance(keys, list) or not keys:
        raise KeySetError('not a JWK Set: "keys" must be a list of at least one key')
    if len(keys) > MAX_KEYS:
        raise KeySetError(f"too many keys ({len(keys)}): at most {MAX_KEYS}")
    parsed = tuple(_key(key, n) for n, key in enumerate(keys, start=1))
    if len({key.public_bytes for key in parsed}) != len(parsed):
        raise KeySetError("the same key is listed twice")
    return PublishedKeys(parsed, *_region(document.get("region")))


def encode_x(public_bytes: bytes) -> str:
    return base64.urlsafe_b64encode(public_bytes).rstrip(b"=").decode("ascii")


def decode_x(x: str) -> bytes:
    return base64.urlsafe_b64decode(x + "=")


def _key(key: object, n: int) -> PublishedKey:
    if not isinstance(key, dict):
        raise KeySetError(f"key {n}: must be a JSON object")
    if "d" in key:
        raise KeySetError(f"key {n}: holds a private key (d): refused, and tell its publisher")
    if key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
        raise KeySetError(f"key {n}: only Ed25519 keys (kty OKP, crv Ed25519) are accepted")
    if key.get("use", "sig") != "sig" or key.get("alg", "EdDSA") != "EdDSA":
        raise KeySetError(f"key {n}: must be a signing key (use sig, alg EdDSA)")
    x = key.get("x")
    if not isinstance(x, str) or not _BASE64URL.fullmatch(x):
        raise KeySetError(f"key {n}: x must be 32 bytes in unpadded base64url")
    try:
        public_bytes = decode_x(x)
    except (binascii.Error, ValueError):
        raise KeySetError(f"key {n}: x must be 32 bytes in unpadded base64url") from None
    if encode_x(public_bytes) != x:  # non-canonical trailing bits: another text for the key
        raise KeySetError(f"key {n}: x must be 32 bytes in unpadded base64url")
    kid = kid_of(public_bytes)
    if "kid" in key and key["kid"] != kid.hex():
        raise KeySetError(f"key {n}: kid {key['kid']!r} is not the key's ({kid.hex()})")
    return PublishedKey(kid, public_bytes)


def _region(region: object) -> tuple[int | None, str | None, str | None]:
    if not isinstance(region, dict):
        return None, None, None
    adcode = region.get("adcode")
    if isinstance(adcode, bool) or not isinstance(adcode, int):
        adcode = None
    return adcode, _short_text(region.get("name")), _short_text(region.get("name_en"))


def _short_text(value: object) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= 40:
        return value.strip()
    return None
