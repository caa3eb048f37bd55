"""Is the service able to work: the database answers."""

from tortoise import connections


async def database_ok() -> bool:
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception:
        return False
    return True
