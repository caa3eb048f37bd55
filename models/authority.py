from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.person import Person
    from models.staff import Staff


class AuthorityRecord(Model):
    """One record of the health authorities' feeds (confirmed, suspected, close contact,
    quarantine, recovered, cleared). Matched to a person by the keyed hash of the document
    only, and kept unmatched until that person registers."""

    id = fields.IntField(primary_key=True)
    source = fields.CharField(max_length=64)
    record_id = fields.CharField(max_length=128)
    doc_lookup = fields.CharField(max_length=64, db_index=True)
    person: fields.ForeignKeyNullableRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="authority_records", null=True
    )
    person_id: int | None
    status = fields.CharField(max_length=16)
    # instants: a feed's day is kept as the local midnight that starts it (since) or, for a
    # quarantine's last day (until), the midnight that ends it
    since = fields.DatetimeField()
    until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "authority_record"
        unique_together = (("source", "record_id"),)
        indexes = (("person_id",),)


class FeedImport(Model):
    """One import of a feed: what was received and what it changed, for the console."""

    id = fields.IntField(primary_key=True)
    source = fields.CharField(max_length=64)
    staff: fields.ForeignKeyNullableRelation["Staff"] = fields.ForeignKeyField(
        "models.Staff", related_name="feed_imports", null=True
    )
    staff_id: int | None
    received = fields.IntField(default=0)
    created = fields.IntField(default=0)
    updated = fields.IntField(default=0)
    matched = fields.IntField(default=0)
    # [{"line": n, "error": "..."}]
    rejected: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "feed_import"
