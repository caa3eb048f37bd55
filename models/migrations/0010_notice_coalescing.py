from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from models.migration_ops import AddDefaultedColumn, AddNullableColumn, RemoveIndexIfExists


class Migration(migrations.Migration):
    dependencies = [('models', '0009_declaration_request_key')]

    initial = False

    operations = [
        RemoveIndexIfExists(
            model_name='Notice',
            name=None,
            fields=['status', 'due_at'],
        ),
        AddDefaultedColumn(
            table='notice',
            model_name='Notice',
            name='priority',
            field=fields.SmallIntField(default=1, db_default=1),
        ),
        AddNullableColumn(
            table='notice',
            model_name='Notice',
            name='subject',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddIndex(
            model_name='Notice',
            index=Index(fields=['status', 'priority', 'due_at', 'id']),
        ),
        ops.AddIndex(
            model_name='Notice',
            index=Index(fields=['account_id', 'subject']),
        ),
    ]
