from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class AddNullableColumn(ops.AddField):
    """AddField, whose undo on SQLite is a plain DROP COLUMN (SQLite 3.35+).

    Tortoise 1.1.9 undoes an AddField on SQLite by rebuilding the table, and the rebuild of
    ``person`` drops an index under a name it never had (``no such index``): the column is
    nullable and in no index, so dropping it alone is exact.
    """

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            await state_editor._run_sql(f'ALTER TABLE "person" DROP COLUMN "{self.name}"')
            return
        await super().database_backward(app_label, old_state, new_state, state_editor)


class Migration(migrations.Migration):
    dependencies = [('models', '0004_broadcast_request_key')]

    initial = False

    operations = [
        AddNullableColumn(
            model_name='Person',
            name='erased_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
