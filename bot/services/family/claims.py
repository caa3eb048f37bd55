"""How often one WeChat user may try to reach a record they do not manage yet
(docs/family-transfers.md).

Each of these is one attempt: a declaration for oneself by an account without a record of its
own, adding a family member, and a wrong 交接码. Name and document number are easy to learn,
and a transfer code is short; the limit (``HC_CLAIMS_PER_HOUR``, in any hour) keeps anyone from
trying many of either. It is counted per channel identity and kept in the database, so every
worker shares it and erasing the account does not reset it.

The count is written in a unit of work of its own, before the unit of work of the attempt:
an attempt that is refused rolls back, and must count all the same. (Inside the handling of a
chat message the count is a savepoint of that message's unit of work, which commits the reply
of a refusal too.)
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import cast

from bot.services.errors import TooFast
from bot.services.runtime import Runtime
from bot.services.uow import UnitOfWork
from models.person import Account
from models.transfer import ClaimAttempt

WINDOW = timedelta(hours=1)


async def check_claims(rt: Runtime, account_id: int) -> None:
    """Refuse before a dialogue starts when its end would be refused (nothing is counted)."""
    await _refuse_if_over(rt, await _caller(rt, account_id))


async def count_claim(rt: Runtime, account_id: int) -> None:
    """Count one attempt, or refuse it with ``TooFast`` when the hour's are used up."""
    caller = await _caller(rt, account_id)
    async with UnitOfWork() as uow:
        await _refuse_if_over(rt, caller)
        await ClaimAttempt.create(caller=caller, created_at=rt.now())
        uow.commit()


async def forget_old_attempts(rt: Runtime) -> int:
    return await ClaimAttempt.filter(created_at__lte=rt.now() - WINDOW).delete()


async def _caller(rt: Runtime, account_id: int) -> str:
    account = await Account.get(id=account_id)
    return rt.sealer.lookup_key(f"claim-caller:{account.channel}:{account.openid}")


async def _refuse_if_over(rt: Runtime, caller: str) -> None:
    limit = rt.settings.claims_per_hour
    now = rt.now()
    oldest_first: list[datetime] = cast(  # Tortoise types a flat values_list as tuples
        list[datetime],
        await ClaimAttempt.filter(caller=caller, created_at__gt=now - WINDOW)
        .order_by("created_at")
        .limit(limit)
        .values_list("created_at", flat=True),
    )
    if len(oldest_first) < limit:
        return
    # the next attempt is allowed when the oldest of the hour's attempts leaves the window
    seconds = max(1, math.ceil((oldest_first[0] + WINDOW - now).total_seconds()))
    raise TooFast("claim.too_many", seconds, minutes=math.ceil(seconds / 60))
