from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint

class Migration(migrations.Migration):
    dependencies = [('models', '0003_fk_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Broadcast',
            name='batches',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='Broadcast',
            name='request_key',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddConstraint(
            model_name='Broadcast',
            constraint=UniqueConstraint(fields=('staff', 'request_key'), name=None),
        ),
    ]
