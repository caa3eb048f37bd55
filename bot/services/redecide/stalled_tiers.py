"""Job: finish the tier changes whose work stopped part-way (the process running it died or
was stopped), from their mark (``bot.services.redecide.tiers.finish_stalled``)."""

from __future__ import annotations

import logging

from bot.services.redecide.batches import Tally
from bot.services.redecide.tiers import finish_stalled
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)


async def finish_tier_changes(rt: Runtime) -> Tally:
    done = await finish_stalled(rt, rt.settings.schedules.tier_resume_after)
    # Runs every few minutes and almost always finds nothing: a line only when it did work.
    level = logging.INFO if done.decided else logging.DEBUG
    log.log(
        level,
        "stalled tier changes: %d people re-decided, %d changed colour, %d notices queued",
        done.decided,
        done.changed,
        done.notices,
    )
    return done
