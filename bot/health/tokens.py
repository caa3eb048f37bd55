"""The signed token inside a health code's QR (docs/architecture.md).

Wire format, after the text prefix ``HC1:``, base45 of (big-endian)::

    version  u8       format version, 1
    kid      8 bytes  first 8 bytes of SHA-256 over the signer's raw Ed25519 public key
    region   u24      the issuer's adcode
    code_id  16 bytes opaque, mapped to the person server-side
    color    u8       1 green, 2 orange, 3 red
    issued   u32      unix seconds
    lifetime u16      seconds; expires_at = issued + lifetime
    rules    1..16    ASCII rules version: the rest of the payload, so it needs no length byte
    sig      64 bytes Ed25519 over b"HC1:" + everything above

Every byte counts: a QR of version 8 at error correction Q holds 157 alphanumeric characters,
which this layout reaches with a rules version of up to 3 characters; 16 characters give 177
characters (version 9), still within the 200 of the design.

A **reference token** (a paper code, docs/paper-code.md) is the second kind, format version 2::

    version  u8       2
    kid      8 bytes  as above
    region   u24      the issuer's adcode
    printed  16 bytes opaque, names one printed code server-side
    issued   u32      unix seconds: when it was printed
    sig      64 bytes Ed25519 over b"HC1:" + everything above

It carries no colour and no expiry: only its issuer can answer for it, reading the printed
code's row (revoked or not) and the person's live colour. ``verify_token`` refuses one with
``ReferenceNotAllowed``: wherever a live token is expected, a paper code is not one.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import nacl.bindings
import nacl.signing
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from nacl.exceptions import BadSignatureError

from bot.health.base45 import b45decode, b45encode
from bot.health.colors import Color

PREFIX = "HC1:"
FORMAT_VERSION = 1
REFERENCE_VERSION = 2
PRINTED_ID_BYTES = 16
KID_BYTES = 8
CODE_ID_BYTES = 16
MAX_RULES_VERSION = 16
DEFAULT_SKEW = timedelta(seconds=30)

_FIELDS = struct.Struct(">B8s3s16sBIH")
_SIG_BYTES = 64
_MIN_RAW = _FIELDS.size + 1 + _SIG_BYTES
_MAX_RAW = _FIELDS.size + MAX_RULES_VERSION + _SIG_BYTES
# Checked before decoding so that a huge input costs nothing.
_MAX_CHARS = len(PREFIX) + (_MAX_RAW // 2) * 3 + 2
_REFERENCE_FIELDS = struct.Struct(">B8s3s16sI")
_REFERENCE_RAW = _REFERENCE_FIELDS.size + _SIG_BYTES
_BASE45_TEXT = re.compile(r"[0-9A-Z $%*+\-./:]*")
_RULES_TEXT = re.compile(rb"[\x21-\x7e]{1,16}")
_COLOR_BYTE: dict[Color, int] = {Color.GREEN: 1, Color.ORANGE: 2, Color.RED: 3}
_BYTE_COLOR: dict[int, Color] = {v: k for k, v in _COLOR_BYTE.items()}


class TokenError(Exception):
    """Base of the two ways a scanned token is refused."""


class TokenInvalid(TokenError):
    """Not a token we can trust. ``reason`` is one of: ``not text``, ``prefix``, ``encoding``,
    ``length``, ``version``, ``unknown kid``, ``signature``, ``payload``; for a paper code's
    token also ``reference token`` (``ReferenceNotAllowed``) and ``issued in the future``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReferenceNotAllowed(TokenInvalid):
    """A reference token (a paper code) where only a live token will do."""

    def __init__(self) -> None:
        super().__init__("reference token")


class TokenExpired(TokenError):
    """Genuine, but outside its lifetime (a screenshot, or a clock far ahead)."""

    def __init__(self, token: CodeToken, *, early: bool = False) -> None:
        super().__init__(f"token valid {token.issued_at:%H:%M:%S}–{token.expires_at:%H:%M:%S}")
        self.token = token
        self.early = early  # issued further in the future than the skew allows


@dataclass(frozen=True, slots=True)
class SignedToken:
    """A token decoded but not yet verified: its region and kid say whose keys verify it."""

    region: int
    kid: bytes
    payload: bytes
    signature: bytes


@dataclass(frozen=True)
class CodeToken:
    version: int
    kid: bytes
    region: int
    code_id: bytes
    color: Color
    issued_at: datetime
    expires_at: datetime
    rules_version: str


@dataclass(frozen=True)
class ReferenceToken:
    """A paper code's token: which printed code, by whom, since when; never a colour."""

    version: int
    kid: bytes
    region: int
    printed_id: bytes
    issued_at: datetime


def kid_of(public_bytes: bytes) -> bytes:
    return hashlib.sha256(public_bytes).digest()[:KID_BYTES]


class PublicKey:
    """An Ed25519 public key that verifies through libsodium (PyNaCl): in half the time of
    OpenSSL's verify, and every scan verifies one signature (bench/README.md)."""

    __slots__ = ("_key",)

    def __init__(self, raw: bytes) -> None:
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        self._key = nacl.signing.VerifyKey(raw)

    @classmethod
    def from_public_bytes(cls, raw: bytes) -> PublicKey:
        return cls(raw)

    def verifies(self, signature: bytes, data: bytes) -> bool:
        try:
            self._key.verify(data, signature)
        except (BadSignatureError, ValueError):  # ValueError: not 64 bytes
            return False
        return True


class SigningKey:
    """Signs with libsodium too (a little faster than OpenSSL); generated and stored with
    ``cryptography``, whose raw seed is the same 32 bytes."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public_bytes: bytes = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.kid: bytes = kid_of(self.public_bytes)
        # libsodium's expanded secret key (seed and public key): signed with directly, without
        # PyNaCl's SignedMessage around each signature (1.4 µs of a 26 µs signature)
        _, self._sodium_secret = nacl.bindings.crypto_sign_seed_keypair(self.private_bytes())

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> SigningKey:
        """``raw`` is the 32-byte Ed25519 seed, as ``private_bytes()`` returns it."""
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def private_bytes(self) -> bytes:
        return self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    def sign(self, data: bytes) -> bytes:
        signed: bytes = nacl.bindings.crypto_sign(data, self._sodium_secret)
        return signed[: nacl.bindings.crypto_sign_BYTES]

    def __repr__(self) -> str:  # never print the private key by accident
        return f"SigningKey(kid={self.kid.hex()})"


class Keyring:
    """One key that signs, and every public key we accept signatures from.

    Verify-only keys are our own retired keys (kept until the longest token life has passed)
    and the keys of other regions we recognise. Several keys may share a kid: all are tried.
    """

    def __init__(
        self,
        current: SigningKey,
        verify_only: Iterable[bytes] = (),
        retired_at: Mapping[bytes, datetime] | None = None,
    ) -> None:
        self.current = current
        self._by_kid: dict[bytes, list[PublicKey]] = {}
        self._public: list[bytes] = []
        # when each verify-only key stopped signing (raw public key → moment), where known
        self.retired_at: dict[bytes, datetime] = dict(retired_at or {})
        for raw in (current.public_bytes, *verify_only):
            self.trust(raw)

    def trust(self, public_bytes: bytes) -> None:
        """Accept signatures by this raw 32-byte Ed25519 public key (adding twice is harmless)."""
        public = PublicKey(public_bytes)
        if public_bytes not in self._public:
            self._public.append(public_bytes)
            self._by_kid.setdefault(kid_of(public_bytes), []).append(public)

    def rotate(self, new: SigningKey) -> None:
        """Sign with ``new`` from now on; the old key stays trusted for tokens already out."""
        self.trust(new.public_bytes)
        self.current = new

    def keys_for(self, kid: bytes) -> list[PublicKey]:
        return list(self._by_kid.get(kid, ()))

    @property
    def public_keys(self) -> tuple[bytes, ...]:
        return tuple(self._public)


def issue_token(
    keyring: Keyring,
    *,
    code_id: bytes,
    color: Color,
    region: int,
    rules_version: str,
    now: datetime,
    lifetime: timedelta,
) -> str:
    """Sign a token for ``code_id``; ``ValueError`` when a field cannot be represented."""
    signer = keyring.current
    payload = _pack(signer.kid, code_id, Color(color), region, rules_version, now, lifetime)
    signature = signer.sign(PREFIX.encode() + payload)
    return PREFIX + b45encode(payload + signature)


def verify_token(
    keyring: Keyring, token: str, *, now: datetime, skew: timedelta = DEFAULT_SKEW
) -> CodeToken:
    """Check prefix, encoding, version, kid, signature, then time; see the two exceptions."""
    signed = read_token(token)
    return verify_signed(signed, keyring.keys_for(signed.kid), now=now, skew=skew)


def read_token(token: object) -> SignedToken:
    """Prefix, encoding, length and version: what can be checked before knowing the issuer."""
    raw = _decode(token)
    payload, signature = raw[:-_SIG_BYTES], raw[-_SIG_BYTES:]
    region = int.from_bytes(payload[1 + KID_BYTES : 4 + KID_BYTES], "big")
    return SignedToken(region, payload[1 : 1 + KID_BYTES], payload, signature)


def verify_signed(
    signed: SignedToken,
    keys: Sequence[PublicKey],
    *,
    now: datetime,
    skew: timedelta = DEFAULT_SKEW,
) -> CodeToken:
    """Signature by one of ``keys`` (those of the token's kid; none: ``unknown kid``), the
    payload's fields, then time."""
    _check_signature(keys, signed.payload, signed.signature)
    decoded = _unpack(signed.payload)
    _check_time(decoded, now, skew)
    return decoded


def issue_reference_token(
    keyring: Keyring, *, printed_id: bytes, region: int, now: datetime
) -> str:
    """Sign a paper code's token naming ``printed_id``; ``ValueError`` for a bad field."""
    if len(printed_id) != PRINTED_ID_BYTES:
        raise ValueError(f"printed_id must be {PRINTED_ID_BYTES} bytes")
    if not 0 <= region < 1 << 24:
        raise ValueError("region must be an adcode (fits in 3 bytes)")
    signer = keyring.current
    issued = _unix_seconds(now)
    payload = _REFERENCE_FIELDS.pack(
        REFERENCE_VERSION, signer.kid, region.to_bytes(3, "big"), printed_id, issued
    )
    signature = signer.sign(PREFIX.encode() + payload)
    return PREFIX + b45encode(payload + signature)


def reference_region(token: object) -> int:
    """The region a reference token names, read before its signature is checked: only that
    region can answer for it, so elsewhere there is nothing to verify it for."""
    raw = _decode(token, REFERENCE_VERSION, (_REFERENCE_RAW, _REFERENCE_RAW))
    return int.from_bytes(raw[1 + KID_BYTES : 4 + KID_BYTES], "big")


def verify_reference_token(
    keyring: Keyring, token: str, *, now: datetime, skew: timedelta = DEFAULT_SKEW
) -> ReferenceToken:
    """Prefix, encoding, version 2, kid, signature, and a printing time not in the future.
    Whether the printed code still holds is the database's to say."""
    raw = _decode(token, REFERENCE_VERSION, (_REFERENCE_RAW, _REFERENCE_RAW))
    payload, signature = raw[:-_SIG_BYTES], raw[-_SIG_BYTES:]
    _check_signature(keyring.keys_for(payload[1 : 1 + KID_BYTES]), payload, signature)
    version, kid, region, printed_id, issued = _REFERENCE_FIELDS.unpack(payload)
    issued_at = datetime.fromtimestamp(issued, UTC)
    if issued_at > now + skew:
        raise TokenInvalid("issued in the future")
    return ReferenceToken(version, kid, int.from_bytes(region, "big"), printed_id, issued_at)


def jwks(
    keyring: Keyring, *, now: datetime | None = None, window: timedelta | None = None
) -> dict[str, list[dict[str, str]]]:
    """The public keys of the ring as a JWK Set (RFC 8037 OKP keys), current key first.

    With ``now`` and ``window``: a key that stopped signing more than ``window`` ago is left
    out (no token it signed can still be valid); a key with no known retirement stays.
    """
    listed = [
        raw
        for raw in keyring.public_keys
        if now is None
        or window is None
        or raw not in keyring.retired_at
        or keyring.retired_at[raw] + window >= now
        or raw == keyring.current.public_bytes
    ]
    return {"keys": [_jwk(raw) for raw in listed]}


def _jwk(public_bytes: bytes) -> dict[str, str]:
    x = base64.urlsafe_b64encode(public_bytes).rstrip(b"=").decode("ascii")
    kid = kid_of(public_bytes).hex()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"}


def _pack(
    kid: bytes,
    code_id: bytes,
    color: Color,
    region: int,
    rules_version: str,
    now: datetime,
    lifetime: timedelta,
) -> bytes:
    _check_fields(code_id, region, rules_version)
    issued, seconds = _issue_window(now, lifetime)
    fields = (kid, region.to_bytes(3, "big"), code_id, _COLOR_BYTE[color], issued, seconds)
    return _FIELDS.pack(FORMAT_VERSION, *fields) + rules_version.encode("ascii")


def _check_fields(code_id: bytes, region: int, rules_version: str) -> None:
    if len(code_id) != CODE_ID_BYTES:
        raise ValueError(f"code_id must be {CODE_ID_BYTES} bytes")
    if not 0 <= region < 1 << 24:
        raise ValueError("region must be an adcode (fits in 3 bytes)")
    rules = rules_version.encode("ascii", "replace")
    if not rules_version.isascii() or not _RULES_TEXT.fullmatch(rules):
        raise ValueError(f"rules version must be 1–{MAX_RULES_VERSION} printable ASCII characters")


def _issue_window(now: datetime, lifetime: timedelta) -> tuple[int, int]:
    issued = _unix_seconds(now)
    seconds = int(lifetime.total_seconds())
    if not 1 <= seconds <= 0xFFFF or not 0 <= issued <= 0xFFFFFFFF - seconds:
        raise ValueError("lifetime must be 1 s to about 18 h, ending before 2106")
    return issued, seconds


def _unix_seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        # A naive datetime would silently be read as local time: refuse rather than guess.
        raise ValueError("datetime must be timezone-aware")
    return int(moment.timestamp())


def _decode(
    token: object, version: int = FORMAT_VERSION, sizes: tuple[int, int] = (_MIN_RAW, _MAX_RAW)
) -> bytes:
    if not isinstance(token, str):
        raise TokenInvalid("not text")
    if not token.startswith(PREFIX):
        raise TokenInvalid("prefix")
    if len(token) > _MAX_CHARS:
        raise TokenInvalid("length")
    body = token[len(PREFIX) :]
    # base45 itself would accept a trailing newline: keep one token to one text.
    if not _BASE45_TEXT.fullmatch(body):
        raise TokenInvalid("encoding")
    try:
        raw = b45decode(body)
    except ValueError:
        raise TokenInvalid("encoding") from None
    if not raw:
        raise TokenInvalid("length")
    if raw[0] != version:
        if raw[0] == REFERENCE_VERSION:
            raise ReferenceNotAllowed()
        raise TokenInvalid("version")
    if not sizes[0] <= len(raw) <= sizes[1]:
        raise TokenInvalid("length")
    return raw


def _check_signature(candidates: Sequence[PublicKey], payload: bytes, signature: bytes) -> None:
    if not candidates:
        raise TokenInvalid("unknown kid")
    signed = PREFIX.encode() + payload
    if not any(public.verifies(signature, signed) for public in candidates):
        raise TokenInvalid("signature")


def _unpack(payload: bytes) -> CodeToken:
    version, kid, region, code_id, color_byte, issued, seconds = _FIELDS.unpack_from(payload)
    rules = payload[_FIELDS.size :]
    # Signed, but perhaps by another region's software: still check what we are told.
    if color_byte not in _BYTE_COLOR or seconds == 0 or not _RULES_TEXT.fullmatch(rules):
        raise TokenInvalid("payload")
    return CodeToken(
        version=version,
        kid=kid,
        region=int.from_bytes(region, "big"),
        code_id=code_id,
        color=_BYTE_COLOR[color_byte],
        issued_at=datetime.fromtimestamp(issued, UTC),
        expires_at=datetime.fromtimestamp(issued + seconds, UTC),
        rules_version=rules.decode("ascii"),
    )


def _check_time(token: CodeToken, now: datetime, skew: timedelta) -> None:
    if now < token.issued_at - skew:
        raise TokenExpired(token, early=True)
    if now > token.expires_at + skew:
        raise TokenExpired(token)
