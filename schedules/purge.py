"""Job: forget handled WeChat messages and dialogues left idle."""

from __future__ import annotations

import logging

from bot.services.jobs_purge import Purged, purge
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)


async def purge_chat_records(rt: Runtime) -> Purged:
    done = await purge(rt)
    log.info(
        "purge: %d handled messages and %d lapsed dialogues deleted", done.processed, done.dialogues
    )
    return done
