"""Job: fetch every trusted region's published keys again (daily), so that a region's list
stays fresh and its new keys are known before its old ones retire (docs/trust.md). The
``trust refresh`` command runs the same. The caller hands in how a key set is fetched
(``bot.trust_fetch.fetch_key_set``, an HTTP client this layer does not import)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.health.key_sets import KeySetError, PublishedKeys
from bot.services.runtime import Runtime
from bot.services.trust.trust_list import renew_trust, trusted_sources

log = logging.getLogger(__name__)

Fetch = Callable[[str], Awaitable[PublishedKeys]]


@dataclass(frozen=True)
class Refreshed:
    adcode: int
    source: str
    error: str | None  # None: fetched and renewed


async def refresh_trust_lists(rt: Runtime, fetch_key_set: Fetch) -> list[Refreshed]:
    outcomes = []
    for adcode, source in await trusted_sources():
        try:
            await renew_trust(rt, adcode, await fetch_key_set(source))
        except KeySetError as error:
            log.warning("trust refresh: region %s: %s", adcode, error)
            outcomes.append(Refreshed(adcode, source, str(error)))
        else:
            outcomes.append(Refreshed(adcode, source, None))
    failed = [outcome.adcode for outcome in outcomes if outcome.error]
    log.info("trust refresh: %d regions refreshed, failed: %s", len(outcomes) - len(failed), failed)
    return outcomes
