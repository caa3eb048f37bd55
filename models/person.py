from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.district import District


class Person(Model):
    """A real-name identity. Document, name and phone are sealed (AES-GCM).
    ``doc_lookup`` is the keyed hash (HMAC) of the normalised document: the only way to
    find a person by it."""

    id = fields.IntField(primary_key=True)
    public_id = fields.CharField(max_length=32, unique=True)
    doc_type = fields.CharField(max_length=32)
    doc_lookup = fields.CharField(max_length=64, unique=True)
    doc_number_sealed = fields.TextField()
    name_sealed = fields.TextField()
    phone_sealed = fields.TextField(null=True)
    district: fields.ForeignKeyNullableRelation["District"] = fields.ForeignKeyField(
        "models.District", related_name="residents", null=True
    )
    district_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    # set by 注销 when records the law keeps (recent declarations, scans) hold the row for a
    # while: no account, family link, code or lookup reaches it, and retention deletes it
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "person"
        indexes = (("district_id", "id"),)  # a district's residents in id order: tier changes


class Account(Model):
    """A channel identity: the official account or the mini-program, by openid."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16)
    openid = fields.CharField(max_length=64)
    person: fields.ForeignKeyNullableRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="accounts", null=True
    )
    person_id: int | None
    current_person: fields.ForeignKeyNullableRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="shown_by", null=True
    )
    current_person_id: int | None
    lang = fields.CharField(max_length=4, default="zh")
    # the platform lets us push customer-service messages for 48 hours after the user wrote
    last_message_at = fields.DatetimeField(null=True)
    # the last position WeChat reported ("lat,lng"), sealed: where someone is is personal data
    location_sealed = fields.TextField(null=True)
    located_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account"
        unique_together = (("channel", "openid"),)
        indexes = (("person_id",),)  # who to tell when a code changes


class Guardianship(Model):
    """An acting person who files and shows the code of a family member (家人代办)."""

    id = fields.IntField(primary_key=True)
    actor: fields.ForeignKeyRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="family_members"
    )
    actor_id: int
    member: fields.ForeignKeyRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="guardians"
    )
    member_id: int
    relation = fields.CharField(max_length=8)
    created_at = fields.DatetimeField()

    class Meta:
        table = "guardianship"
        unique_together = (("actor", "member"),)
        indexes = (("member_id",),)  # who acts for a person
