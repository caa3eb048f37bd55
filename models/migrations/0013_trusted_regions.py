# Edited by hand: generated=False on the adcode primary key (Tortoise 1.1.9 leaves it out; see
# 0001_initial.py).
from tortoise import migrations
from tortoise.migrations import operations as ops
from json import loads
import functools
from json import dumps
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0012_unanswered_questions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TrustedRegion',
            fields=[
                ('adcode', fields.IntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=40)),
                ('name_en', fields.CharField(max_length=40)),
                ('source', fields.CharField(max_length=512)),
                ('keys', fields.JSONField(encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                ('days', fields.IntField()),
                ('fetched_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'trusted_region', 'app': 'models', 'pk_attr': 'adcode', 'table_description': 'Another region whose codes our checkpoints accept, verified offline with the public keys'},
            bases=['Model'],
        ),
    ]
