"""Job: re-decide the codes whose ``valid_until`` has passed, and notify the changes."""

from __future__ import annotations

import logging

from bot.services.jobs_expiry import Expired, redecide_expired
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)


async def redecide_expired_codes(rt: Runtime) -> Expired:
    done = await redecide_expired(rt)
    # Runs every minute: a line when something happened, a debug line otherwise.
    level = logging.INFO if done.decided else logging.DEBUG
    log.log(
        level,
        "expired codes: %d re-decided, %d changed colour, %d notices queued",
        done.decided,
        done.changed,
        done.notices,
    )
    return done
