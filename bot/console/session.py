"""The console's session cookie and its CSRF tokens.

The cookie holds the official's bearer token sealed (AES-GCM under the data key, bound to its
own column) with an expiry and a random nonce: it is signed and unreadable in one, a stolen
cookie never reveals the token, and every request authenticates the token again, so an
official who is deactivated is out at their next click. Forms carry a CSRF token, the keyed
hash of the session's nonce, which only the server can compute; the login form gets the same
from a short-lived pre-session cookie (login CSRF).
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.health.sealing import Sealer, SealError

LIFETIME = timedelta(hours=8)  # one shift
_COLUMN = "console.session"


@dataclass(frozen=True)
class Session:
    token: str
    nonce: str
    expires_at: datetime


def new_session(token: str, now: datetime) -> Session:
    return Session(token, secrets.token_urlsafe(16), now + LIFETIME)


def cookie_value(sealer: Sealer, session: Session) -> str:
    payload = {"t": session.token, "n": session.nonce, "e": session.expires_at.timestamp()}
    sealed = sealer.seal(json.dumps(payload, separators=(",", ":")), _COLUMN)
    # cookie-safe characters only: no quoting by either side
    return base64.urlsafe_b64encode(sealed.encode()).decode().rstrip("=")


def read_cookie(sealer: Sealer, value: str | None, now: datetime) -> Session | None:
    """The session in the cookie, or ``None`` when it is missing, forged or expired."""
    if not value or len(value) > 2048:
        return None
    try:
        sealed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        payload = json.loads(sealer.open(sealed, _COLUMN))
        expires_at = datetime.fromtimestamp(float(payload["e"]), now.tzinfo)
        session = Session(str(payload["t"]), str(payload["n"]), expires_at)
    except (ValueError, KeyError, TypeError, SealError):
        return None
    return session if expires_at > now else None


def csrf_token(sealer: Sealer, nonce: str, purpose: str = "form") -> str:
    return sealer.lookup_key(f"console-csrf:{purpose}:{nonce}")


def csrf_ok(sealer: Sealer, nonce: str | None, given: object, purpose: str = "form") -> bool:
    if not nonce or not isinstance(given, str):
        return False
    return hmac.compare_digest(csrf_token(sealer, nonce, purpose), given)
