"""Job: fetch every trusted region's published keys again (daily), so that a region's list
stays fresh and its new keys are known before its old ones retire (docs/trust.md). The
``trust refresh`` command runs the same."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.health.key_sets import KeySetError
from bot.services.runtime import Runtime
from bot.services.trust import renew_trust, trusted_sources
from bot.trust_fetch import fetch_key_set

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refreshed:
    adcode: int
    source: str
    error: str | None  # None: fetched and renewed


async def refresh_trust_lists(rt: Runtime) -> list[Refreshed]:
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
