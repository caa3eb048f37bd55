from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.person import Account, Person
    from models.staff import Staff


class Appeal(Model):
    """A resident's request to correct a colour (FAQ 14), and the official's answer."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="appeals"
    )
    person_id: int
    account: fields.ForeignKeyNullableRelation["Account"] = fields.ForeignKeyField(
        "models.Account", related_name="appeals", null=True
    )
    account_id: int | None
    text_sealed = fields.TextField()
    status = fields.CharField(max_length=16, default="open", db_index=True)
    decision = fields.CharField(max_length=16, null=True)
    reply_sealed = fields.TextField(null=True)
    resolved_by: fields.ForeignKeyNullableRelation["Staff"] = fields.ForeignKeyField(
        "models.Staff", related_name="appeals", null=True
    )
    resolved_by_id: int | None
    created_at = fields.DatetimeField()
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "appeal"


class CodeOverride(Model):
    """An official's correction of a colour, in force until ``until`` (the rules read it)."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="overrides"
    )
    person_id: int
    color = fields.CharField(max_length=8)
    until = fields.DatetimeField(db_index=True)
    reason_zh = fields.CharField(max_length=200)
    reason_en = fields.CharField(max_length=200)
    appeal: fields.ForeignKeyNullableRelation["Appeal"] = fields.ForeignKeyField(
        "models.Appeal", related_name="overrides", null=True
    )
    appeal_id: int | None
    created_by: fields.ForeignKeyNullableRelation["Staff"] = fields.ForeignKeyField(
        "models.Staff", related_name="overrides", null=True
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "code_override"
        indexes = (("person_id",),)
