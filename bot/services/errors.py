"""Refusals a person can cause, each naming the sentence of the catalogue that explains it.

Validation of a single answer raises ``bot.health.errors.InvalidInput``; these are refusals
of the request as a whole. Channels translate both into their own answer (the HTTP edge's
statuses: ``status_of`` in ``handlers/errors.py``).
"""

from __future__ import annotations

from bot.health.errors import InvalidInput


class ServiceError(InvalidInput):
    """The request cannot be done as asked; ``code`` is a catalogue key."""


class Malformed(ServiceError):
    """The request itself cannot be read (not JSON, not an object)."""


class NotFound(ServiceError):
    """Nothing the caller may see exists under that id (a foreign id answers the same)."""


class Unauthorised(ServiceError):
    """The caller did not say who they are, or not in a way we accept."""


class NoCredentials(Unauthorised):
    """The caller sent no credentials at all (as opposed to ones we refuse)."""


class Forbidden(ServiceError):
    """The caller is known and may not do this."""


class TooFast(ServiceError):
    """A rate limit (docs/architecture.md): try again in ``retry_after`` seconds."""

    def __init__(self, code: str, retry_after: int, **params: object) -> None:
        super().__init__(code, seconds=retry_after, **params)
        self.retry_after = retry_after
