"""Records of the health authorities, posted to the feed API."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp.test_utils import TestClient

FEEDS = "/api/admin/feeds"


def record(record_id: str, doc: str, status: str = "confirmed", **extra: object) -> dict:
    since = (date.today() - timedelta(days=1)).isoformat()
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
