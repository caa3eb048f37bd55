from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.district import District
    from models.person import Account, Person


class Declaration(Model):
    """One health declaration as filed. The travel answer is kept in clear: a city name is
    what the rules match on, and it names no one."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="declarations"
    )
    person_id: int
    account: fields.ForeignKeyNullableRelation["Account"] = fields.ForeignKeyField(
        "models.Account", related_name="declarations", null=True
    )
    account_id: int | None
    district: fields.ForeignKeyRelation["District"] = fields.ForeignKeyField(
        "models.District", related_name="declarations"
    )
    district_id: int
    left_city = fields.BooleanField()
    from_city = fields.CharField(max_length=64, null=True)
    return_date = fields.DateField(null=True)
    symptoms: fields.JSONField[list[str]] = fields.JSONField(default=list)
    contact = fields.BooleanField()
    declared_at = fields.DatetimeField(db_index=True)
    # the mini-program's Idempotency-Key, and a keyed digest of the request it named (a repeat
    # with the same key must be the same request): one declaration per key and account
    request_key = fields.CharField(max_length=64, null=True)
    request_digest = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "declaration"
        unique_together = (("account", "request_key"),)
        # set-based re-decisions read declarations by person, and a district's recent ones
        indexes = (("person_id",), ("district_id", "declared_at"))
