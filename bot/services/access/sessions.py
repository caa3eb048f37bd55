"""Mini-program sessions: after ``wx.login`` the app holds a signed, expiring token naming its
account, and sends it as ``Authorization: Bearer …`` (docs/architecture.md).

A session token is a ticket (``bot.health.tickets``: HMAC-signed, expiring, one spelling) that
names the account id, signed with the session key, a key of its own: a code-page ticket never
opens a session, nor a session token a page. It holds no personal data and no
``session_key``: WeChat's session key stays with WeChat and never reaches a log or an answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.health.tickets import TicketExpired, TicketInvalid, make_ticket, read_ticket
from bot.services.access.credentials import MISSING
from bot.services.codes.hot_reads import account_language
from bot.services.errors import NoCredentials, Unauthorised
from bot.services.residents.accounts import Channel
from bot.services.runtime import Runtime
from bot.texts import LANGUAGES
from models.person import Account


@dataclass(frozen=True)
class Session:
    token: str
    expires_in: int  # seconds


@dataclass(frozen=True)
class SessionAccount:
    id: int
    lang: str


def sign_session(secret: bytes, account_id: int, expires_at: datetime) -> str:
    return make_ticket(secret, str(account_id), expires_at)


async def open_session(rt: Runtime, openid: str, lang: str | None = None) -> Session:
    """The mini-program account of ``openid`` (made on first login) and a fresh token for it."""
    account, _ = await Account.get_or_create(channel=Channel.MINIAPP, openid=openid)
    if lang in LANGUAGES and lang != account.lang:
        account.lang = lang
        await account.save(update_fields=["lang"])
        forget_account(rt, account.id)
    lifetime = rt.settings.miniapp_session_lifetime
    token = sign_session(rt.session_secret, account.id, rt.now() + lifetime)
    return Session(token, int(lifetime.total_seconds()))


async def session_account(rt: Runtime, token: str | None) -> SessionAccount:
    """The account a bearer token names; ``Unauthorised`` for a missing, forged or expired
    token, or one whose account is gone."""
    if not token:
        raise NoCredentials("miniapp.token_missing")
    try:
        account_ref = read_ticket(rt.session_secret, token, rt.now())
    except TicketExpired as exc:
        raise Unauthorised("miniapp.token_expired") from exc
    except TicketInvalid as exc:
        raise Unauthorised("miniapp.token_invalid") from exc
    if not account_ref.isdigit():
        raise Unauthorised("miniapp.token_invalid")
    account_id = int(account_ref)
    lang = await _language(rt, account_id)
    if lang is None:
        raise Unauthorised("miniapp.token_invalid")
    return SessionAccount(account_id, lang)


async def _language(rt: Runtime, account_id: int) -> str | None:
    """The account's language, None when it is gone; what the database said is kept for a few
    seconds (``bot.services.access.credentials``), so an erasure elsewhere takes that long."""
    cache = rt.credentials.accounts
    cached = cache.get(account_id)
    if cached is MISSING:
        cached = await account_language(account_id, Channel.MINIAPP)
        cache.put(account_id, cached)
    return cached


def forget_account(rt: Runtime, account_id: int) -> None:
    """The account changed here (its language, its erasure): this process reads it again."""
    rt.credentials.accounts.forget(account_id)
