from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.person import Account, Person


class TransferCode(Model):
    """A 交接码: a guardian's (or the person's own) consent that the record changes hands, or
    gains a guardian, once, within a day. Only the keyed hash of the code is kept."""

    id = fields.IntField(primary_key=True)
    code_hash = fields.CharField(max_length=64, unique=True)
    person: fields.ForeignKeyRelation["Person"] = fields.ForeignKeyField(
        "models.Person", related_name="transfer_codes"
    )
    person_id: int
    purpose = fields.CharField(max_length=16)  # bot.health.transfer_codes.Purpose
    # the account that gave its consent: its erasure takes the consent with it
    issued_by: fields.ForeignKeyRelation["Account"] = fields.ForeignKeyField(
        "models.Account", related_name="transfer_codes"
    )
    issued_by_id: int
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "transfer_code"
        # a person's live codes (revoked when a new one is issued); an erased account's codes
        indexes = (("person_id", "purpose"), ("issued_by_id",))


class ClaimAttempt(Model):
    """One attempt of a channel identity to claim or add a record, or to redeem a code: what
    the per-account limit counts. ``caller`` is a keyed hash of the channel and openid, so the
    count survives the account's erasure and names nobody in clear."""

    id = fields.IntField(primary_key=True)
    caller = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    class Meta:
        table = "claim_attempt"
        indexes = (("caller", "created_at"),)
