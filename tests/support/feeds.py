"""Records of the health authorities, posted to the feed API."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp.test_utils import TestClient

FEEDS = "/api/admin/feeds"


def record(
    record_id: str, doc: str, status: str = "confirmed", *, days_ago: int = 1, **extra: object
) -> dict:
    """One record of the feed, in force since ``days_ago`` days."""
    since = (date.today() - timedelta(days=days_ago)).isoformat()
    return {
        "record_id": record_id,
        "doc_type": "resident_id",
        "doc_number": doc,
        "status": status,
        "since": since,
        **extra,
    }


async def post_feed(client: TestClient, headers: dict, *records: dict, source: str = "tj-cdc"):
    response = await client.post(
        FEEDS, json={"source": source, "records": list(records)}, headers=headers
    )
    return response.status, await response.json()
