from tortoise import fields
from tortoise.models import Model


class TrustedRegion(Model):
    """Another region whose codes our checkpoints accept, verified offline with the public keys
    it publishes (docs/trust.md). The list goes stale at ``expires_at`` unless refreshed."""

    adcode = fields.IntField(primary_key=True, generated=False)
    name = fields.CharField(max_length=40)
    name_en = fields.CharField(max_length=40)
    # where the key set came from: an http(s) URL (refreshed daily) or a file path
    source = fields.CharField(max_length=512)
    # the raw Ed25519 public keys, base64url as in the JWKS, each with its kid in hex
    keys: fields.JSONField[list[dict[str, str]]] = fields.JSONField()
    days = fields.IntField()  # how long a fetch stays good: expires_at = fetched_at + days
    fetched_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "trusted_region"
