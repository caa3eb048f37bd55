from tortoise import fields
from tortoise.models import Model


class Notice(Model):
    """The outbox: a message someone must receive, written in the same transaction as the
    change it reports. ``dedupe_key`` makes writing the same event twice a no-op."""

    id = fields.IntField(primary_key=True)
    dedupe_key = fields.CharField(max_length=128, unique=True)
    # null for a mass send, whose payload names its batch of recipients
    account = fields.ForeignKeyField("models.Account", related_name="notices", null=True)
    kind = fields.CharField(max_length=16)
    payload = fields.JSONField(default=dict)
    status = fields.CharField(max_length=8, default="pending")
    attempts = fields.IntField(default=0)
    due_at = fields.DatetimeField()
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notice"
        indexes = (("status", "due_at"),)
