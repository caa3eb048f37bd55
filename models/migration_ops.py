"""Migration operations of our own, for what Tortoise 1.1.9's get wrong (docs/architecture.md).

Kept outside ``models/migrations/`` so the migration loader does not take this module for a
migration.
"""

from __future__ import annotations

from tortoise.migrations import operations as ops


class AddNullableColumn(ops.AddField):
    """AddField, whose undo on SQLite is a plain ``DROP COLUMN`` (SQLite 3.35+).

    Tortoise undoes an AddField on SQLite by rebuilding the table, and the rebuild drops an
    index under a name it never had (``no such index``). For a nullable column in no index
    and no constraint, dropping the column alone is exact.
    """

    def __init__(self, *, table: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.table = table

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None and state_editor.DIALECT == "sqlite":
            await state_editor._run_sql(f'ALTER TABLE "{self.table}" DROP COLUMN "{self.name}"')
            return
        await super().database_backward(app_label, old_state, new_state, state_editor)


class AddDefaultedColumn(AddNullableColumn):
    """A NOT NULL column with a database default (``db_default``, which fills the rows already
    there), in no index and no constraint when undone: dropping the column alone is exact."""


class RemoveIndexIfExists(ops.RemoveIndex):
    """RemoveIndex that tolerates a missing index.

    To alter a column on SQLite, Tortoise 1.1.9 rebuilds the table without its composite
    ``Meta.indexes``: 0002's AlterField of ``notice.account`` dropped ``(status, due_at)``
    there (PostgreSQL kept it), so that index exists on one database only.
    """

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is None:
            return
        model = old_state.apps.get_model(f"{app_label}.{self.model_name}")
        index = self._find_index(old_state.models[(app_label, self.model_name)])
        name = state_editor._index_name_for_model(model, index)
        await state_editor._run_sql(f'DROP INDEX IF EXISTS "{name}"')


class AlterColumnBySQL(ops.AlterField):
    """AlterField whose database side is the SQL given per dialect, forward and backward.

    For a change of type that must convert the values (a date becoming an instant): Tortoise
    would rebuild the table on SQLite, whose columns take any value anyway, and on PostgreSQL
    change the type without saying how to convert.
    """

    def __init__(self, *, forward: dict[str, str], backward: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.forward, self.backward = forward, backward

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None:
            await state_editor._run_sql(self.forward[state_editor.DIALECT])

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is not None:
            await state_editor._run_sql(self.backward[state_editor.DIALECT])
