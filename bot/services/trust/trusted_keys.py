"""The trust list as each process keeps it for the scan's hot path (docs/trust.md).

The whole list (a handful of regions, a few keys each) is read in one statement and kept for
``bound`` seconds (``HC_TRUST_CACHE_SECONDS``, 10): a region removed, or a list refreshed, is
what every scan in every process sees at most that long after. Scans of our own codes never
touch it. Staleness is judged on every scan against the clock, not cached.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.health.key_sets import decode_x
from bot.health.tokens import PublicKey
from bot.services.codes.hot_reads import TrustedRow, trusted_regions


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    adcode: int
    name: str
    name_en: str
    expires_at: datetime
    keys: dict[bytes, tuple[PublicKey, ...]]  # by kid


class TrustedKeys:
    def __init__(self, bound: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.bound = bound
        self._monotonic = monotonic
        self._issuers: dict[int, TrustedIssuer] = {}
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    async def issuer(self, adcode: int) -> TrustedIssuer | None:
        if self._loaded_at is None or self._monotonic() - self._loaded_at >= self.bound:
            await self._reload()
        return self._issuers.get(adcode)

    def forget(self) -> None:
        """Read the list again on the next foreign scan (this process changed it)."""
        self._loaded_at = None

    async def _reload(self) -> None:
        loaded_before = self._loaded_at
        async with self._lock:
            if self._loaded_at != loaded_before:
                return  # another scan reloaded it while this one waited
            self._issuers = {row.adcode: _issuer(row) for row in await trusted_regions()}
            self._loaded_at = self._monotonic()


def _issuer(row: TrustedRow) -> TrustedIssuer:
    keys: dict[bytes, list[PublicKey]] = {}
    for key in row.keys:
        public = PublicKey.from_public_bytes(decode_x(key["x"]))
        keys.setdefault(bytes.fromhex(key["kid"]), []).append(public)
    frozen = {kid: tuple(found) for kid, found in keys.items()}
    return TrustedIssuer(row.adcode, row.name, row.name_en, row.expires_at, frozen)
