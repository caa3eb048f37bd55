from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0006_district_tier_done')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ProcessedMessage',
            name='nonce',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddConstraint(
            model_name='ProcessedMessage',
            constraint=UniqueConstraint(fields=('nonce',), name=None),
        ),
    ]
