from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.person import Account


class DialogueState(Model):
    """Where an account is in a conversation, kept across restarts and instances."""

    id = fields.IntField(primary_key=True)
    account: fields.OneToOneRelation["Account"] = fields.OneToOneField(
        "models.Account", related_name="dialogue"
    )
    account_id: int
    flow = fields.CharField(max_length=32)
    step = fields.CharField(max_length=32)
    data = fields.TextField()  # the answers so far, sealed: they hold personal data
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "dialogue_state"


class ProcessedMessage(Model):
    """A WeChat message already handled, with the reply it got: WeChat retries a message up to
    three times, and a retry must get the same answer without being processed again."""

    key = fields.CharField(max_length=128, primary_key=True)
    # the signed request's "timestamp:nonce" (bot.services.callbacks.replay), when Redis does not
    # hold it
    nonce = fields.CharField(max_length=64, null=True)
    reply = fields.TextField(null=True)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "processed_message"
        unique_together = (("nonce",),)
