# Edited by hand once: Tortoise 1.1.9 writes the adcode primary key without generated=False,
# which makes every later makemigrations propose dropping and re-adding it.
from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='District',
            fields=[
                ('adcode', fields.IntField(primary_key=True, generated=False, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=32)),
                ('name_en', fields.CharField(max_length=64)),
                ('lat', fields.FloatField()),
                ('lng', fields.FloatField()),
                ('tier', fields.CharField(default='low', max_length=8)),
                ('tier_changed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'district', 'app': 'models', 'pk_attr': 'adcode', 'table_description': 'A district of the region, with the risk tier officials published for it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Person',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('public_id', fields.CharField(unique=True, max_length=32)),
                ('doc_type', fields.CharField(max_length=32)),
                ('doc_lookup', fields.CharField(unique=True, max_length=64)),
                ('doc_number_sealed', fields.TextField(unique=False)),
                ('name_sealed', fields.TextField(unique=False)),
                ('phone_sealed', fields.TextField(null=True, unique=False)),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', null=True, db_constraint=True, to_field='adcode', related_name='residents', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'person', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A real-name identity. Document, name and phone are sealed (AES-GCM).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(max_length=16)),
                ('openid', fields.CharField(max_length=64)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='accounts', on_delete=OnDelete.CASCADE)),
                ('current_person', fields.ForeignKeyField('models.Person', source_field='current_person_id', null=True, db_constraint=True, to_field='id', related_name='shown_by', on_delete=OnDelete.CASCADE)),
                ('lang', fields.CharField(default='zh', max_length=4)),
                ('last_message_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('location_sealed', fields.TextField(null=True, unique=False)),
                ('located_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'account', 'app': 'models', 'unique_together': (('channel', 'openid'),), 'pk_attr': 'id', 'table_description': 'A channel identity: the official account or the mini-program, by openid.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CodeChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='code_changes', on_delete=OnDelete.CASCADE)),
                ('old_color', fields.CharField(null=True, max_length=8)),
                ('new_color', fields.CharField(max_length=8)),
                ('reasons', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('cause', fields.CharField(max_length=32)),
                ('rules_version', fields.CharField(max_length=16)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'code_change', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The history of a person colour, one row for every decision that replaced another.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Declaration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='declarations', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='declarations', on_delete=OnDelete.CASCADE)),
                ('district', fields.ForeignKeyField('models.District', source_field='district_id', db_constraint=True, to_field='adcode', related_name='declarations', on_delete=OnDelete.CASCADE)),
                ('left_city', fields.BooleanField()),
                ('from_city', fields.CharField(null=True, max_length=64)),
                ('return_date', fields.DateField(null=True)),
                ('symptoms', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('contact', fields.BooleanField()),
                ('declared_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'declaration', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One health declaration as filed. The travel answer is kept in clear: a city name is'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DialogueState',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='dialogue', on_delete=OnDelete.CASCADE)),
                ('flow', fields.CharField(max_length=32)),
                ('step', fields.CharField(max_length=32)),
                ('data', fields.TextField(unique=False)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'dialogue_state', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Where an account is in a conversation, kept across restarts and instances.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Guardianship',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.ForeignKeyField('models.Person', source_field='actor_id', db_constraint=True, to_field='id', related_name='family_members', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('models.Person', source_field='member_id', db_constraint=True, to_field='id', related_name='guardians', on_delete=OnDelete.CASCADE)),
                ('relation', fields.CharField(max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'guardianship', 'app': 'models', 'unique_together': (('actor', 'member'),), 'pk_attr': 'id', 'table_description': 'An acting person who files and shows the code of a family member (家人代办).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HealthCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.OneToOneField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='code', on_delete=OnDelete.CASCADE)),
                ('code_id', fields.CharField(unique=True, max_length=32)),
                ('color', fields.CharField(db_index=True, max_length=8)),
                ('reasons', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('rules_version', fields.CharField(max_length=16)),
                ('valid_until', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'health_code', 'app': 'models', 'pk_attr': 'id', 'table_description': 'The live decision for one person. ``code_id`` is the opaque id signed into tokens.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('dedupe_key', fields.CharField(unique=True, max_length=128)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='pending', max_length=8)),
                ('attempts', fields.IntField(default=0)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notice', 'app': 'models', 'indexes': [Index(fields=['status', 'due_at'])], 'pk_attr': 'id', 'table_description': 'The outbox: a message someone must receive, written in the same transaction as the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProcessedMessage',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=128)),
                ('reply', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'processed_message', 'app': 'models', 'pk_attr': 'key', 'table_description': 'A WeChat message already handled, with the reply it got: WeChat retries a message up to'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Staff',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('role', fields.CharField(max_length=16)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'staff', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Checkpoint workers and officials. Only the SHA-256 of their bearer token is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScanLog',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.CASCADE)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.CASCADE)),
                ('verdict', fields.CharField(max_length=8)),
                ('color', fields.CharField(null=True, max_length=8)),
                ('place', fields.CharField(null=True, max_length=64)),
                ('temperature', fields.FloatField(null=True)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'scan_log', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Every scan at a checkpoint: who scanned, where, when, and what they were shown.'},
            bases=['Model'],
        ),
    ]
