from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from models.migration_ops import AddNullableColumn


class Migration(migrations.Migration):
    dependencies = [('models', '0008_transfer_codes')]

    initial = False

    operations = [
        AddNullableColumn(
            table='declaration',
            model_name='Declaration',
            name='request_digest',
            field=fields.CharField(null=True, max_length=64),
        ),
        AddNullableColumn(
            table='declaration',
            model_name='Declaration',
            name='request_key',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddConstraint(
            model_name='Declaration',
            constraint=UniqueConstraint(fields=('account', 'request_key'), name=None),
        ),
    ]
