"""Mini-program sessions: after ``wx.login`` the app holds a signed, expiring token naming its
account, and sends it as ``Authorization: Bearer …`` (DESIGN.md §7, §9).

A token is base64url (no padding) of::

    version  u8      1
    account  u64     the account's id
    expires  u32     unix seconds
    mac      20      HMAC-SHA256 over a purpose label and everything above, truncated

It holds no personal data and no ``session_key``: WeChat's session key stays with WeChat (we
need none of the encrypted user data it opens), and never reaches a log or an answer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import datetime

from bot.services.accounts import MINIAPP
from bot.services.errors import Unauthorised
from bot.services.runtime import Runtime
from bot.texts import LANGUAGES
from models.person import Account

VERSION = 1
_BODY = struct.Struct(">BQI")
_MAC_BYTES = 20
_LABEL = b"health-code miniapp session\x00"
_LENGTH = -(-(_BODY.size + _MAC_BYTES) * 4 // 3)  # base64url characters, unpadded
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Session:
    token: str
    expires_in: int  # seconds


@dataclass(frozen=True)
class SessionAccount:
    id: int
    lang: str


class SessionInvalid(Exception):
    """Not a token we made: changed, truncated or signed with another key."""


class SessionExpired(Exception):
    """A token we made, past its expiry: the app logs in again."""


def sign_session(secret: bytes, account_id: int, expires_at: datetime) -> str:
    body = _BODY.pack(VERSION, account_id, _unix_seconds(expires_at))
    return _b64encode(body + _mac(secret, body))


def read_session(secret: bytes, token: str, now: datetime) -> int:
    """The account id a token names; ``SessionInvalid`` or ``SessionExpired`` otherwise."""
    raw = _decode(token)
    body, mac = raw[: _BODY.size], raw[_BODY.size :]
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise SessionInvalid("signature")
    version, account_id, expires = _BODY.unpack(body)
    if version != VERSION:
        raise SessionInvalid("version")
    if _unix_seconds(now) >= expires:
        raise SessionExpired()
    return account_id


async def open_session(rt: Runtime, openid: str, lang: str | None = None) -> Session:
    """The mini-program account of ``openid`` (made on first login) and a fresh token for it."""
    account, _ = await Account.get_or_create(channel=MINIAPP, openid=openid)
    if lang in LANGUAGES and lang != account.lang:
        account.lang = lang
        await account.save(update_fields=["lang"])
    lifetime = rt.settings.miniapp_session_lifetime
    token = sign_session(rt.session_secret, account.id, rt.now() + lifetime)
    return Session(token, int(lifetime.total_seconds()))


async def session_account(rt: Runtime, token: str | None) -> SessionAccount:
    """The account a bearer token names; ``Unauthorised`` for a missing, forged or expired
    token, or one whose account is gone."""
    if not token:
        raise Unauthorised("miniapp.token_missing")
    try:
        account_id = read_session(rt.session_secret, token, rt.now())
    except SessionExpired as exc:
        raise Unauthorised("miniapp.token_expired") from exc
    except SessionInvalid as exc:
        raise Unauthorised("miniapp.token_invalid") from exc
    account = await Account.get_or_none(id=account_id, channel=MINIAPP)
    if account is None:
        raise Unauthorised("miniapp.token_invalid")
    return SessionAccount(account.id, account.lang)


def _mac(secret: bytes, body: bytes) -> bytes:
    if len(secret) < 16:
        raise ValueError("the session secret must be at least 16 bytes")
    return hmac.new(secret, _LABEL + body, hashlib.sha256).digest()[:_MAC_BYTES]


def _decode(token: object) -> bytes:
    if not isinstance(token, str) or len(token) != _LENGTH or not _BASE64URL.fullmatch(token):
        raise SessionInvalid("encoding")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except binascii.Error:
        raise SessionInvalid("encoding") from None
    # One token, one spelling: the decoder would ignore changed trailing bits.
    if _b64encode(raw) != token:
        raise SessionInvalid("encoding")
    return raw


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unix_seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return max(0, min(int(moment.timestamp()), 0xFFFFFFFF))
