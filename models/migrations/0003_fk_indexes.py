from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_officials')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Account',
            index=Index(fields=['person_id']),
        ),
        ops.AddIndex(
            model_name='AuthorityRecord',
            index=Index(fields=['person_id']),
        ),
        ops.AddIndex(
            model_name='CodeOverride',
            index=Index(fields=['person_id']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['person_id']),
        ),
        ops.AddIndex(
            model_name='Declaration',
            index=Index(fields=['district_id', 'declared_at']),
        ),
        ops.AddIndex(
            model_name='Guardianship',
            index=Index(fields=['member_id']),
        ),
        ops.AddIndex(
            model_name='Person',
            index=Index(fields=['district_id', 'id']),
        ),
    ]
