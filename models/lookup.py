from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.staff import Staff


class LookupLog(Model):
    """Every ID-card lookup at a checkpoint (docs/lookup.md): who, where, when, and the keyed
    hash of the number asked about, never the number. A lookup is what leaks data when abused,
    so even a number nobody has is on record."""

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyRelation["Staff"] = fields.ForeignKeyField(
        "models.Staff", related_name="lookups"
    )
    staff_id: int
    # the HMAC the person table is searched by (people.lookup_key); None for a malformed number
    doc_hash = fields.CharField(max_length=64, null=True)
    outcome = fields.CharField(max_length=10)  # pass | deny | unknown | malformed
    color = fields.CharField(max_length=8, null=True)
    place = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "lookup_log"
        indexes = (("staff_id", "created_at"), ("created_at",))
