"""Job: forget handled WeChat messages, dialogues left idle, old claim attempts and spent
transfer codes."""

from __future__ import annotations

import logging

from bot.services.jobs_purge import Purged, purge
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)


async def purge_chat_records(rt: Runtime) -> Purged:
    done = await purge(rt)
    log.info(
        "purge: %d handled messages, %d lapsed dialogues, %d old claim attempts and %d spent "
        "transfer codes deleted",
        done.processed,
        done.dialogues,
        done.claim_attempts,
        done.transfer_codes,
    )
    return done
