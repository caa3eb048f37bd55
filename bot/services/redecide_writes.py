"""Writing a group's decision back: one statement for the codes of everyone in the group,
one for the history of those whose colour moved (``bot.services.redecide``).

The codes go by person id lists bound as one parameter (an array, or a JSON text on SQLite),
so a statement's size does not grow with the group and PostgreSQL plans it once: an index
lookup per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.models import Model

from bot.health.rules import Decision
from bot.services import sql
from bot.services.decisions import reasons_to_json

_STORE = """
UPDATE health_code AS c
SET color = $1, reasons = $2{json}, rules_version = $3, valid_until = $4, decided_at = $5
FROM {ids} WHERE c.person_id = t.id
"""

_HISTORY = """
INSERT INTO code_change (person_id, old_color, new_color, reasons, cause, rules_version,
                         created_at)
SELECT t.id, $1{text}, $2, $3{json}, $4, $5, $6 FROM {ids}
"""


async def store_decision(person_ids: list[int], decision: Decision, now: datetime) -> int:
    """Give these people's codes the decision, taken at ``now`` (in the caller's transaction)."""
    statement = _STORE.format(json=sql.json_cast(), ids=sql.ids_table("$6"))
    # In UTC: SQLite compares the text with the expiry job's UTC "now" (see decisions._apply)
    until = decision.valid_until.astimezone(UTC) if decision.valid_until else None
    return await sql.execute(
        statement,
        decision.color.value,
        sql.json_param(reasons_to_json(decision.reasons)),
        decision.rules_version,
        sql.moment_param(until),
        sql.moment_param(now),
        sql.ids(person_ids),
    )


async def record_changes(
    person_ids: list[int], old: str | None, decision: Decision, cause: str, now: datetime
) -> int:
    """One history row each for these people, whose colour moved from ``old`` to the decision's."""
    text = "::text" if sql.is_postgres() else ""
    statement = _HISTORY.format(text=text, json=sql.json_cast(), ids=sql.ids_table("$7"))
    return await sql.execute(
        statement,
        old,
        decision.color.value,
        sql.json_param(reasons_to_json(decision.reasons)),
        cause,
        decision.rules_version,
        sql.moment_param(now),
        sql.ids(person_ids),
    )


# --- rows of a model, by primary key (the feed's records) ---------------------------------

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
