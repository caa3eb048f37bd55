from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_authority_instants')]

    initial = False

    operations = [
        ops.CreateModel(
            name='UnansweredQuestion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('text_sealed', fields.TextField(unique=False)),
                ('text_key', fields.CharField(db_index=True, max_length=64)),
                ('lang', fields.CharField(max_length=2)),
                ('channel', fields.CharField(max_length=8)),
                ('asked_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'unanswered_question', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A question a resident asked that the FAQ did not answer, kept so officials see what'},
            bases=['Model'],
        ),
    ]
