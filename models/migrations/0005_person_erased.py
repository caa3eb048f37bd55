from tortoise import fields, migrations

from models.migration_ops import AddNullableColumn


class Migration(migrations.Migration):
    dependencies = [('models', '0004_broadcast_request_key')]

    initial = False

    operations = [
        AddNullableColumn(
            table='person',
            model_name='Person',
            name='erased_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
