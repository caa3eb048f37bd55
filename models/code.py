from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.person import Person


class HealthCode(Model):
    """The live decision for one person. ``code_id`` is the opaque id signed into tokens.
    It changes whenever the code is re-issued, so tokens of an old code stop resolving."""

    id = fields.IntField(primary_key=True)
    person: fields.OneToOneRelation["Person"] = fields.OneToOneField(
        "models.Person", related_name="code"
    )
    person_id: int
    code_id = fields.CharField(max_length=32, unique=True)
    color = fields.CharField(max_length=8, db_index=True)
    reasons: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    rules_version = fields.CharField(max_length=16)
    valid_until = fields.DatetimeField(null=True, db_index=True)
    decided_at = fields.DatetimeField()

    class Meta:
        table = "health_code"


class CodeChange(Model):
    """The history of a person colour, one row for every decision that replaced another."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="code_changes"
    )
    person_id: int
    old_color = fields.CharField(max_length=8, null=True)
    new_color = fields.CharField(max_length=8)
    reasons: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    cause = fields.CharField(max_length=32)
    rules_version = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "code_change"
