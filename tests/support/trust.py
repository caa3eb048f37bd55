"""Trusting another region's keys, as `healthcode trust add` does."""

from __future__ import annotations

from typing import Any

from bot.services.runtime import Runtime
from bot.services.trust.trust_list import TrustView, add_trust
from bot.trust_fetch import fetch_key_set


async def trust(rt: Runtime, adcode: int, source: str, **how: Any) -> TrustView:
    """What ``healthcode trust add`` does: fetch, then hand the keys to the use case."""
    return await add_trust(rt, adcode, source, await fetch_key_set(source), **how)
