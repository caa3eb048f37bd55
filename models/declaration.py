from tortoise import fields
from tortoise.models import Model


class Declaration(Model):
    """One health declaration as filed. The travel answer is kept in clear: a city name is
    what the rules match on, and it names no one."""

    id = fields.IntField(primary_key=True)
    person = fields.ForeignKeyField("models.Person", related_name="declarations")
    account = fields.ForeignKeyField("models.Account", related_name="declarations", null=True)
    district = fields.ForeignKeyField("models.District", related_name="declarations")
    left_city = fields.BooleanField()
    from_city = fields.CharField(max_length=64, null=True)
    return_date = fields.DateField(null=True)
    symptoms = fields.JSONField(default=list)
    contact = fields.BooleanField()
    declared_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "declaration"
        # set-based re-decisions read declarations by person, and a district's recent ones
        indexes = (("person_id",), ("district_id", "declared_at"))
