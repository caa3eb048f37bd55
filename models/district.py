from tortoise import fields
from tortoise.models import Model


class District(Model):
    """A district of the region, with the risk tier officials published for it."""

    adcode = fields.IntField(primary_key=True, generated=False)
    name = fields.CharField(max_length=32)
    name_en = fields.CharField(max_length=64)
    lat = fields.FloatField()
    lng = fields.FloatField()
    tier = fields.CharField(max_length=8, default="low")
    tier_changed_at = fields.DatetimeField(null=True)
    # when everyone the last change touched had been re-decided: a change whose work stopped
    # part-way (the process died) has none, or an older one, and the scheduler finishes it
    tier_done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "district"
