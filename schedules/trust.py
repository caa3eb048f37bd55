"""Job: fetch every trusted region's published keys again (daily), so that a region's list
stays fresh and its new keys are known before its old ones retire (docs/trust.md)."""

from __future__ import annotations

import logging

from bot.services.runtime import Runtime
from bot.services.trust import Refreshed, refresh_trust

log = logging.getLogger(__name__)


async def refresh_trust_lists(rt: Runtime) -> list[Refreshed]:
    outcomes = await refresh_trust(rt)
    failed = [outcome.adcode for outcome in outcomes if outcome.error]
    log.info("trust refresh: %d regions refreshed, failed: %s", len(outcomes) - len(failed), failed)
    return outcomes
