"""Rows as the database holds them, read past the ORM (what a copy of the database shows)."""

from __future__ import annotations

from tortoise import connections


async def raw_rows(table: str) -> list[dict]:
    return await connections.get("default").execute_query_dict(f"SELECT * FROM {table}")


async def table_names() -> list[str]:
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        rows = await conn.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return [row["name"] for row in rows]
    rows = await conn.execute_query_dict(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
    )
    return [row["name"] for row in rows]
