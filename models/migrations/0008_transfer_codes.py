from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_wechat_nonce')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ClaimAttempt',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('caller', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'claim_attempt', 'app': 'models', 'indexes': [Index(fields=['caller', 'created_at'])], 'pk_attr': 'id', 'table_description': 'One attempt of a channel identity to claim or add a record, or to redeem a code: what'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TransferCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code_hash', fields.CharField(unique=True, max_length=64)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='transfer_codes', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharField(max_length=16)),
                ('issued_by', fields.ForeignKeyField('models.Account', source_field='issued_by_id', db_constraint=True, to_field='id', related_name='transfer_codes', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'transfer_code', 'app': 'models', 'indexes': [Index(fields=['person_id', 'purpose']), Index(fields=['issued_by_id'])], 'pk_attr': 'id', 'table_description': "A 交接码: a guardian's (or the person's own) consent that the record changes hands, or"},
            bases=['Model'],
        ),
    ]
