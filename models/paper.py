from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.person import Person


class PrintedCode(Model):
    """A paper code (FAQ 18, docs/paper-code.md): the QR on it holds a reference token naming
    ``ref``, and a scan reads the person's live colour. One per person holds at a time:
    printing again revokes the last one, and so do 注销 and the end of the family link of the
    guardian who printed it."""

    id = fields.IntField(primary_key=True)
    # hex of the 16 random bytes the reference token names: opaque, never the person's id
    ref = fields.CharField(max_length=32, unique=True)
    person: fields.ForeignKeyRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="printed_codes", on_delete=fields.CASCADE
    )
    person_id: int
    # whose account printed it: the person, or a guardian acting for them
    printed_by: fields.ForeignKeyNullableRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="printed_for_others", null=True, on_delete=fields.SET_NULL
    )
    printed_by_id: int | None
    issued_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    revoked_cause = fields.CharField(max_length=16, null=True)  # reprint | erasure | unlink

    class Meta:
        table = "printed_code"
        indexes = (("person_id", "revoked_at"), ("printed_by_id",))
