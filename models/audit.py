from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.staff import Staff


class AuditEntry(Model):
    """Who did what, when, with the state before and after (docs/architecture.md). Never holds
    personal data in clear: people are named by their public id."""

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyNullableRelation["Staff"] = fields.ForeignKeyField(
        "models.Staff", related_name="audit_entries", null=True
    )
    staff_id: int | None
    action = fields.CharField(max_length=32, db_index=True)
    target = fields.CharField(max_length=64)
    before: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    after: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "audit_entry"


class Broadcast(Model):
    """A notice officials sent to the accounts of some districts (or everyone)."""

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyNullableRelation["Staff"] = fields.ForeignKeyField(
        "models.Staff", related_name="broadcasts", null=True
    )
    staff_id: int | None
    text = fields.TextField()
    # adcodes; empty means everyone
    districts: fields.JSONField[list[int]] = fields.JSONField(default=list)
    queued = fields.IntField(default=0)
    batches = fields.IntField(default=0)
    # the Idempotency-Key the official's client sent: a retried POST finds this row
    request_key = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "broadcast"
        unique_together = (("staff", "request_key"),)
