"""What a notice is, whatever channel carries it: its kind, and the typed payload the outbox
row keeps for it (docs/notices.md).

The payload names what the notice is about, never what it will say: the words are written when
it is sent, from the live records (``bot.services.notices.messages``). A row stores its payload
as the JSON object of these fields (a field left at None is not stored), the same objects rows
have always held, so a row written before these types existed reads back as one of them.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, fields
from enum import StrEnum
from typing import Any


class NoticeStatus(StrEnum):
    """``Notice.status``: the values are the words stored."""

    PENDING = "pending"  # due at ``due_at``: new, retried later, or postponed
    SENDING = "sending"  # claimed by a sender until ``due_at`` (its lease)
    SENT = "sent"
    FAILED = "failed"  # refused for good, or out of attempts
    SKIPPED = "skipped"  # superseded, or about something gone: nothing to send


class NoticeKind(StrEnum):
    """``Notice.kind``: the values are the words stored."""

    CODE_IMAGE = "code_image"  # the code as an image, for someone who asked to see it
    TEXT = "text"  # a text to one account
    CODE_CHANGED = "code_changed"
    REMINDER = "reminder"  # the daily reminder to declare again
    MASS_TEXT = "mass_text"  # a broadcast to a batch of followers
    APPEAL_REPLY = "appeal_reply"
    FAMILY_CHANGED = "family_change"


@dataclass(frozen=True)
class CodeImage:
    person: str  # the person's public id


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class CodeChanged:
    person: str
    new: str
    old: str | None = None  # None: the person's first code
    cause: str | None = None


@dataclass(frozen=True)
class Reminder:
    person: str
    actor: str | None = None  # for a family member's reminder: whom the account acts as
    relation: str | None = None


@dataclass(frozen=True)
class MassText:
    openids: list[str]
    text: str
    broadcast: int | None = None  # the broadcast's id, for the officials' record


@dataclass(frozen=True)
class AppealReply:
    appeal: int  # the appeal's id: its sealed reply stays in the appeal row


@dataclass(frozen=True)
class FamilyChanged:
    person: str
    change: str  # HANDED_OVER, GUARDIAN_ADDED or HANDED_BACK (bot.services.notices.outbox)
    own: bool  # the recipient account is the person's own
    at: str  # ISO 8601: when the record changed
    guardian: str | None = None  # GUARDIAN_ADDED: the new guardian's public id
    relation: str | None = None  # the record's relation to that guardian


Payload = CodeImage | Text | CodeChanged | Reminder | MassText | AppealReply | FamilyChanged

PAYLOADS: dict[NoticeKind, type[Payload]] = {
    NoticeKind.CODE_IMAGE: CodeImage,
    NoticeKind.TEXT: Text,
    NoticeKind.CODE_CHANGED: CodeChanged,
    NoticeKind.REMINDER: Reminder,
    NoticeKind.MASS_TEXT: MassText,
    NoticeKind.APPEAL_REPLY: AppealReply,
    NoticeKind.FAMILY_CHANGED: FamilyChanged,
}


class UnknownKind(ValueError):
    """A row of a kind this version does not know (a newer version wrote it)."""


def kind_of(payload: Payload) -> NoticeKind:
    return next(kind for kind, cls in PAYLOADS.items() if isinstance(payload, cls))


def stored(payload: Payload) -> dict[str, Any]:
    """The JSON object a row keeps for ``payload``."""
    return {name: value for name, value in asdict(payload).items() if value is not None}


def read_payload(kind: str, stored_payload: dict[str, Any]) -> Payload:
    """The typed payload of a stored row; keys it does not know are ignored, and a required
    field it lacks raises ``KeyError`` naming it (the row was not written by this service)."""
    try:
        cls = PAYLOADS[NoticeKind(kind)]
    except ValueError:
        raise UnknownKind(f"unknown notice kind {kind}") from None
    values = {}
    for field in fields(cls):
        if field.name in stored_payload:
            values[field.name] = stored_payload[field.name]
        elif field.default is MISSING:
            raise KeyError(field.name)
    return cls(**values)
