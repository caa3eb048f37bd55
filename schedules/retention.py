"""Job: delete declarations, scans and ID-card lookups older than the retention days."""

from __future__ import annotations

import logging

from bot.services.jobs_retention import Deleted, delete_expired_records
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)


async def apply_retention(rt: Runtime) -> Deleted:
    done = await delete_expired_records(rt)
    log.info(
        "retention (%d days): %d declarations, %d scans and %d lookups deleted, %d erased people"
        " gone, %d unanswered questions",
        rt.settings.schedules.retention_days,
        done.declarations,
        done.scans,
        done.lookups,
        done.erased_people,
        done.questions,
    )
    return done
