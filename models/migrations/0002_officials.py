from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Appeal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='appeals', on_delete=OnDelete.CASCADE)),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='appeals', on_delete=OnDelete.CASCADE)),
                ('text_sealed', fields.TextField(unique=False)),
                ('status', fields.CharField(default='open', db_index=True, max_length=16)),
                ('decision', fields.CharField(null=True, max_length=16)),
                ('reply_sealed', fields.TextField(null=True, unique=False)),
                ('resolved_by', fields.ForeignKeyField('models.Staff', source_field='resolved_by_id', null=True, db_constraint=True, to_field='id', related_name='appeals', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'appeal', 'app': 'models', 'pk_attr': 'id', 'table_description': "A resident's request to correct a colour (FAQ 14), and the official's answer."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.CASCADE)),
                ('action', fields.CharField(db_index=True, max_length=32)),
                ('target', fields.CharField(max_length=64)),
                ('before', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('after', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Who did what, when, with the state before and after (docs/architecture.md). Never holds'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuthorityRecord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('source', fields.CharField(max_length=64)),
                ('record_id', fields.CharField(max_length=128)),
                ('doc_lookup', fields.CharField(db_index=True, max_length=64)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', null=True, db_constraint=True, to_field='id', related_name='authority_records', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(max_length=16)),
                ('since', fields.DateField()),
                ('until', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'authority_record', 'app': 'models', 'unique_together': (('source', 'record_id'),), 'pk_attr': 'id', 'table_description': "One record of the health authorities' feeds (confirmed, suspected, close contact,"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Broadcast',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.CASCADE)),
                ('text', fields.TextField(unique=False)),
                ('districts', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('queued', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcast', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A notice officials sent to the accounts of some districts (or everyone).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CodeOverride',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('person', fields.ForeignKeyField('models.Person', source_field='person_id', db_constraint=True, to_field='id', related_name='overrides', on_delete=OnDelete.CASCADE)),
                ('color', fields.CharField(max_length=8)),
                ('until', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('reason_zh', fields.CharField(max_length=200)),
                ('reason_en', fields.CharField(max_length=200)),
                ('appeal', fields.ForeignKeyField('models.Appeal', source_field='appeal_id', null=True, db_constraint=True, to_field='id', related_name='overrides', on_delete=OnDelete.CASCADE)),
                ('created_by', fields.ForeignKeyField('models.Staff', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='overrides', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'code_override', 'app': 'models', 'pk_attr': 'id', 'table_description': "An official's correction of a colour, in force until ``until`` (the rules read it)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeedImport',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('source', fields.CharField(max_length=64)),
                ('staff', fields.ForeignKeyField('models.Staff', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name='feed_imports', on_delete=OnDelete.CASCADE)),
                ('received', fields.IntField(default=0)),
                ('created', fields.IntField(default=0)),
                ('updated', fields.IntField(default=0)),
                ('matched', fields.IntField(default=0)),
                ('rejected', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'feed_import', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One import of a feed: what was received and what it changed, for the console.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Notice',
            name='account',
            field=fields.ForeignKeyField('models.Account', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.CASCADE),
        ),
    ]
