from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.person import Account


class Notice(Model):
    """The outbox: a message someone must receive, written in the same transaction as the
    change it reports. ``dedupe_key`` makes writing the same event twice a no-op."""

    id = fields.IntField(primary_key=True)
    dedupe_key = fields.CharField(max_length=128, unique=True)
    # null for a mass send, whose payload names its batch of recipients
    account: fields.ForeignKeyNullableRelation["Account"] = fields.ForeignKeyField(
        "models.Account", related_name="notices", null=True
    )
    account_id: int | None
    kind = fields.CharField(max_length=16)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # whom it is about (a person's public id) where only the newest notice of an account,
    # kind and subject is worth sending: code changes and reminders
    # (bot/services/notices/coalescing.py)
    subject = fields.CharField(max_length=32, null=True)
    # claimed lowest first, then by due_at (bot/services/notices/outbox.py names the levels)
    priority = fields.SmallIntField(default=1, db_default=1)
    status = fields.CharField(max_length=8, default="pending")
    attempts = fields.IntField(default=0)
    due_at = fields.DatetimeField()
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notice"
        # the claim reads one (status, priority) range in due order, without sorting; the
        # coalescing reads an account's notices about one person
        indexes = (("status", "priority", "due_at", "id"), ("account_id", "subject"))
