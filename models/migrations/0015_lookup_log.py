from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0014_printed_codes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='LookupLog',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', db_constraint=True, to_field='id', related_name='lookups', on_delete=OnDelete.CASCADE)),
                ('doc_hash', fields.CharField(null=True, max_length=64)),
                ('outcome', fields.CharField(max_length=10)),
                ('color', fields.CharField(null=True, max_length=8)),
                ('place', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'lookup_log', 'app': 'models', 'indexes': [Index(fields=['staff_id', 'created_at']), Index(fields=['created_at'])], 'pk_attr': 'id', 'table_description': 'Every ID-card lookup at a checkpoint (docs/lookup.md): who, where, when, and the keyed'},
            bases=['Model'],
        ),
    ]
