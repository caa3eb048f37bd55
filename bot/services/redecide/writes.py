"""Writing a group's decision back: one statement for the codes of everyone in the group,
one for the history of those whose colour moved (``bot.services.redecide.batches``).

The codes go by person id lists bound as one parameter (an array, or a JSON text on SQLite),
so a statement's size does not grow with the group and PostgreSQL plans it once: an index
lookup per row.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.health.rules import Decision
from bot.services import sql
from bot.services.codes.decisions import reasons_to_json

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
