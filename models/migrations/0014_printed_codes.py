from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_trusted_regions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PrintedCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ref', fields.CharField(unique=True, max_length=32)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='printed_codes', on_delete=OnDelete.CASCADE)),
                ('printed_by', fields.ForeignKeyField('models.Person', source_field='printed_by_id', null=True, db_constraint=True, to_field='id', related_name='printed_for_others', on_delete=OnDelete.SET_NULL)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('revoked_cause', fields.CharField(null=True, max_length=16)),
            ],
            options={'table': 'printed_code', 'app': 'models', 'indexes': [Index(fields=['person_id', 'revoked_at']), Index(fields=['printed_by_id'])], 'pk_attr': 'id', 'table_description': 'A paper code (FAQ 18, docs/paper-code.md): the QR on it holds a reference token naming'},
            bases=['Model'],
        ),
    ]
