"""``Idempotency-Key``: a client's name for one request, so that a retry after a lost answer
(or a double tap) answers what the first one did instead of doing it again. Broadcasts and the
mini-program's declarations take one; the key is the caller's own (scoped to the official or
the account that sent it)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.health.errors import InvalidInput

MAX_REQUEST_KEY = 64
HEADER = "Idempotency-Key"


def parse_request_key(raw: str | None) -> str | None:
    """The header: 1 to 64 visible ASCII characters, or absent."""
    if raw is None:
        return None
    key = raw.strip()
    if not (0 < len(key) <= MAX_REQUEST_KEY and key.isascii() and key.isprintable()):
        raise InvalidInput("api.request_key", field=HEADER, max=MAX_REQUEST_KEY)
    return key


@dataclass(frozen=True)
class KeyedRequest:
    """A request named by its key, with the digest that tells a repeat from another request."""

    key: str
    digest: str
