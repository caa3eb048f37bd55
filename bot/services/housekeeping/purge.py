"""Housekeeping: handled-message records, dialogues left idle, and what 交接码 leave behind.

WeChat retries a message within seconds, so a day of handled MsgIds is plenty. An idle dialogue
is kept a day past its expiry, so the person who comes back still hears that it lapsed. Claim
attempts older than the limit's hour count for nothing; a transfer code used or expired a day
ago is done with (the audit trail keeps who issued and redeemed it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import Q

from bot.services.family.claims import forget_old_attempts
from bot.services.runtime import Runtime
from models.dialogue import DialogueState, ProcessedMessage
from models.transfer import TransferCode

log = logging.getLogger(__name__)

PROCESSED_KEPT = timedelta(days=1)
LAPSED_KEPT = timedelta(days=1)
TRANSFER_CODES_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Purged:
    processed: int
    dialogues: int
    claim_attempts: int = 0
    transfer_codes: int = 0


async def purge(rt: Runtime) -> Purged:
    now = rt.now()
    processed = await ProcessedMessage.filter(created_at__lt=now - PROCESSED_KEPT).delete()
    dialogues = await DialogueState.filter(expires_at__lt=now - LAPSED_KEPT).delete()
    attempts = await forget_old_attempts(rt)
    done_before = now - TRANSFER_CODES_KEPT
    codes = await TransferCode.filter(
        Q(expires_at__lt=done_before) | Q(used_at__lt=done_before)
    ).delete()
    return Purged(processed, dialogues, attempts, codes)


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
