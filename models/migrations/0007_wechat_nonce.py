from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

from models.migration_ops import AddNullableColumn

class Migration(migrations.Migration):
    dependencies = [('models', '0006_district_tier_done')]

    initial = False

    operations = [
        # undone by a plain DROP COLUMN on SQLite: Tortoise's table rebuild lost the index on
        # created_at (the purge job's) when this migration was undone
        AddNullableColumn(
            table='processed_message',
            model_name='ProcessedMessage',
            name='nonce',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddConstraint(
            model_name='ProcessedMessage',
            constraint=UniqueConstraint(fields=('nonce',), name=None),
        ),
    ]
