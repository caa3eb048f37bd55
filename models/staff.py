from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.person import Person


class Staff(Model):
    """Checkpoint workers and officials. Only the SHA-256 of their bearer token is stored."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    role = fields.CharField(max_length=16)
    token_hash = fields.CharField(max_length=64, unique=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff"


class ScanLog(Model):
    """Every scan at a checkpoint: who scanned, where, when, and what they were shown."""

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyRelation["Staff"] = fields.ForeignKeyField(
        "models.Staff", related_name="scans"
    )
    staff_id: int
    person: fields.ForeignKeyNullableRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="scans", null=True
    )
    person_id: int | None
    verdict = fields.CharField(max_length=8)
    color = fields.CharField(max_length=8, null=True)
    place = fields.CharField(max_length=64, null=True)
    temperature = fields.FloatField(null=True)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "scan_log"
