"""Writing a batch of changed rows back in one statement, joined on the primary key.

Tortoise 1.1's ``bulk_update`` repeats its ``WHERE id IN (…)`` once per updated field. With
several fields PostgreSQL multiplies their selectivities, expects a single row and plans a
sequential scan of the whole table, then JIT-compiles the thousand-branch ``CASE`` of each
field: about a second per batch once a table holds a million codes, so a tier change grew
quadratically. ``UPDATE … FROM (VALUES …)`` joined on the id is one index lookup per row, on
PostgreSQL and on SQLite (3.33 and later) alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.models import Model

_BATCH = 1000  # 7 parameters a row at most here: well below both databases' limits


async def update_by_id(model: type[Model], rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Store ``fields`` of ``rows`` (in the caller's transaction)."""
    db = model._choose_db(True)
    dialect = db.capabilities.dialect
    if dialect not in ("postgres", "sqlite"):
        for name in fields:  # one field at a time keeps Tortoise's statement to one IN list
            await model.bulk_update(rows, fields=[name], batch_size=_BATCH)
        return
    meta = model._meta
    columns = [meta.pk_attr, *fields]
    for start in range(0, len(rows), _BATCH):
        chunk = rows[start : start + _BATCH]
        values = [
            meta.fields_map[name].to_db_value(getattr(row, name), row)
            for row in chunk
            for name in columns
        ]
        sql = (
            _postgres(model, columns, len(chunk))
            if dialect == "postgres"
            else _sqlite(model, columns, len(chunk))
        )
        await db.execute_query(sql, values)


def _column(model: type[Model], name: str) -> str:
    return model._meta.fields_map[name].source_field or name


def _postgres(model: type[Model], columns: list[str], count: int) -> str:
    types = [
        model._meta.fields_map[name].get_for_dialect("postgres", "SQL_TYPE") for name in columns
    ]
    width = len(columns)
    rows = ", ".join(
        "(" + ", ".join(f"${r * width + i + 1}::{types[i]}" for i in range(width)) + ")"
        for r in range(count)
    )
    names = [_column(model, name) for name in columns]
    assignments = ", ".join(f'"{name}" = v."{name}"' for name in names[1:])
    quoted = ", ".join(f'"{name}"' for name in names)
    table, pk = model._meta.db_table, names[0]
    return (
        f'UPDATE "{table}" AS t SET {assignments} FROM (VALUES {rows}) AS v({quoted}) '
        f'WHERE t."{pk}" = v."{pk}"'
    )


def _sqlite(model: type[Model], columns: list[str], count: int) -> str:
    width = len(columns)
    rows = ", ".join("(" + ", ".join("?" * width) + ")" for _ in range(count))
    names = [_column(model, name) for name in columns]
    assignments = ", ".join(f'"{name}" = v.column{i + 2}' for i, name in enumerate(names[1:]))
    table, pk = model._meta.db_table, names[0]
    return (
        f'UPDATE "{table}" SET {assignments} FROM (VALUES {rows}) AS v '
        f'WHERE "{table}"."{pk}" = v.column1'
    )
