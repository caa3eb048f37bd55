"""The code page link ``/c/{ticket}``: a signed, expiring name for one person
(docs/architecture.md).

A ticket is base64url (no padding) of::

    version  u8      1
    expires  u32     unix seconds
    ref      1..32   the person's opaque public id (ASCII letters, digits, ``-``, ``_``)
    mac      16      HMAC-SHA256 over a purpose label and everything above, truncated

The link can be shared by the resident (a family proxy opens it too); it holds no personal data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from datetime import datetime

VERSION = 1
MAX_REF = 32

_HEAD = struct.Struct(">BI")
_MAC_BYTES = 16
# The secret may be shared with other uses of HMAC; the label keeps their MACs apart.
_LABEL = b"health-code ticket\x00"
_REF = re.compile(rb"[A-Za-z0-9_-]{1,32}")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_MAX_CHARS = -(-(_HEAD.size + MAX_REF + _MAC_BYTES) * 4 // 3)


class TicketInvalid(Exception):
    """Not a ticket we made: changed, truncated, or signed with another secret."""


class TicketExpired(Exception):
    """A ticket we made, past its expiry: the person should ask the bot for a new link."""


def make_ticket(secret: bytes, person_ref: str, expires_at: datetime) -> str:
    """``ValueError`` if ``person_ref`` is not 1–32 URL-safe ASCII characters."""
    ref = person_ref.encode("ascii", "replace")
    if not person_ref.isascii() or not _REF.fullmatch(ref):
        raise ValueError("person_ref must be 1–32 characters of A–Z, a–z, 0–9, - and _")
    body = _HEAD.pack(VERSION, _unix_seconds(expires_at)) + ref
    return _b64encode(body + _mac(secret, body))


def read_ticket(secret: bytes, ticket: str, now: datetime) -> str:
    """The ``person_ref`` the ticket names; ``TicketInvalid`` or ``TicketExpired`` otherwise."""
    raw = _decode(ticket)
    body, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise TicketInvalid("signature")
    version, expires = _HEAD.unpack_from(body)
    ref = body[_HEAD.size :]
    if version != VERSION or not _REF.fullmatch(ref):
        raise TicketInvalid("payload")
    if _unix_seconds(now) >= expires:
        raise TicketExpired()
    return ref.decode("ascii")


def _mac(secret: bytes, body: bytes) -> bytes:
    if len(secret) < 16:
        raise ValueError("the ticket secret must be at least 16 bytes")
    return hmac.new(secret, _LABEL + body, hashlib.sha256).digest()[:_MAC_BYTES]


def _decode(ticket: object) -> bytes:
    if not isinstance(ticket, str) or len(ticket) > _MAX_CHARS:
        raise TicketInvalid("length")
    if not _BASE64URL.fullmatch(ticket):
        raise TicketInvalid("encoding")
    try:
        raw = base64.urlsafe_b64decode(ticket + "=" * (-len(ticket) % 4))
    except binascii.Error:
        raise TicketInvalid("encoding") from None
    # The decoder ignores unused trailing bits; one ticket must have exactly one spelling.
    if _b64encode(raw) != ticket or len(raw) < _HEAD.size + 1 + _MAC_BYTES:
        raise TicketInvalid("encoding")
    return raw


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unix_seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        # A naive datetime would silently be read as local time: refuse rather than guess.
        raise ValueError("datetime must be timezone-aware")
    seconds = int(moment.timestamp())
    if not 0 <= seconds <= 0xFFFFFFFF:
        raise ValueError("datetime must fall between 1970 and 2106")
    return seconds
