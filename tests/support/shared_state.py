"""Where tests keep what workers share: the database always, Redis too when TEST_REDIS_URL is
set (``.ci/run`` sets it; on a shared machine give each worktree its own database number)."""

from __future__ import annotations

import os

from redis.asyncio import Redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
STORES = ["database"] + (["redis"] if REDIS_URL else [])
# the keys the service writes (bot.services.callbacks.replay): a test deletes its own, nothing else
KEY_PATTERNS = ("hc:*",)


async def forget_shared_keys() -> None:
    client = Redis.from_url(REDIS_URL)
    try:
        for pattern in KEY_PATTERNS:
            keys = [key async for key in client.scan_iter(match=pattern, count=500)]
            if keys:
                await client.delete(*keys)
    finally:
        await client.aclose()
