from tortoise import fields, migrations

from models.migration_ops import AddNullableColumn


class Migration(migrations.Migration):
    dependencies = [('models', '0005_person_erased')]

    initial = False

    operations = [
        AddNullableColumn(
            table='district',
            model_name='District',
            name='tier_done_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
