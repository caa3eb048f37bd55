"""The outbox sender: deliver due notices through the WeChat gateway, never on a request path.

One run claims a batch, most urgent first, and sends it: several accounts at once, each
account's notices in order (the reply's image before the next text). Every row ends marked:
sent, retried later with backoff (a transient error), failed with the reason (a permanent
refusal), skipped (superseded by a newer notice, or no longer true) or postponed (a quota ran
out). A quota answer for an API pauses it until the quota resets, and every notice waiting for
that API is postponed to then in one statement, so the other APIs' notices keep going out.
Rows not started when the run stops, or when its lease is running out, go back to the outbox
at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.errors import NotFound
from bot.services.notices import delivery
from bot.services.notices.delivery import Delivery
from bot.services.notices.messages import Superseded, Void
from bot.services.runtime import Runtime
from bot.wechat.api import WeChatGateway
from bot.wechat.api_limits import ApiLimits, Held
from bot.wechat.errors import (
    RECIPIENT,
    WeChatPermanentError,
    WeChatQuotaError,
    WeChatTransientError,
)
from bot.wechat.routes import Unroutable, kinds_through, route
from bot.wechat.transport import deliver

log = logging.getLogger(__name__)
BATCH = 50
DRAIN_SECONDS = 10.0  # below the runner's stop timeout
SENT, RETRY, FAILED, SKIPPED, POSTPONED = "sent", "retry", "failed", "skipped", "postponed"
# 45047: this person may get no more customer-service messages until they write again; after
# 48 hours without a word the route itself ends the notice (45015).
RECIPIENT_WAIT = timedelta(hours=1)


def limits_for(rt: Runtime) -> ApiLimits:
    """The per-API limits of the settings, pausing by the runtime's clock."""
    return ApiLimits(rt.settings.schedules.wechat_rate_per_second, now=rt.now)


@dataclass(frozen=True)
class Drained:
    sent: int
    more: bool  # the budget ran out with notices still due: the job runs again at once


async def drain_outbox(
    rt: Runtime,
    gateway: WeChatGateway,
    limits: ApiLimits | None = None,
    budget: float = DRAIN_SECONDS,
) -> Drained:
    """The scheduled job: batch after batch while full batches keep getting somewhere, for at
    most ``budget`` seconds (a stop waits for a run in progress)."""
    limits = limits or limits_for(rt)
    started, sent = time.monotonic(), 0
    while True:
        examined, outcomes = await send_batch(rt, gateway, None, limits)
        sent += outcomes[SENT]
        if examined < rt.settings.schedules.outbox_batch:
            return Drained(sent, more=False)
        if outcomes.total() == outcomes[RETRY]:
            # WeChat is refusing everything (or what is due waits for a send in flight)
            return Drained(sent, more=False)
        if time.monotonic() - started > budget:
            return Drained(sent, more=True)


async def send_due_notices(
    rt: Runtime, gateway: WeChatGateway, batch: int | None = None, limits: ApiLimits | None = None
) -> int:
    """Deliver one batch; returns how many were sent."""
    _examined, outcomes = await send_batch(rt, gateway, batch, limits)
    return outcomes[SENT]


async def send_batch(
    rt: Runtime, gateway: WeChatGateway, batch: int | None, limits: ApiLimits | None
) -> tuple[int, Counter[str]]:
    """Claim one batch and send it; returns how many due rows it examined and what became of
    them (``SKIPPED`` counts the rows superseded at the claim too)."""
    settings = rt.settings.schedules
    limits = limits or limits_for(rt)
    claimed_at = rt.now()
    claim = await delivery.claim_due(rt, batch or settings.outbox_batch)
    if not claim.examined:
        return 0, Counter()
    # Stop starting sends well before the lease ends, so no other sender can claim a row
    # while this one is still sending it.
    run = _Run(rt, gateway, limits, claimed_at + settings.outbox_lease * 0.8)
    run.outcomes[SKIPPED] += claim.superseded
    try:
        await run.send_all(claim.deliveries, settings.outbox_concurrency)
    finally:
        if run.unstarted:
            await asyncio.shield(delivery.release(rt, run.unstarted))
    await _postpone_paused(rt, limits, run.paused)
    log.info(
        "outbox: %d due, %d claimed, %s",
        claim.examined,
        len(claim.deliveries),
        ", ".join(f"{n} {outcome}" for outcome, n in sorted(run.outcomes.items())),
    )
    return claim.examined, run.outcomes


async def _postpone_paused(rt: Runtime, limits: ApiLimits, apis: set[str]) -> None:
    """Move everything else waiting for a paused API to the moment it resumes."""
    for api in sorted(apis):
        until = limits.paused_until((api,))
        if until is None:
            continue
        reason = f"{api} paused until {until.isoformat()} after a quota answer"
        moved = await delivery.postpone_through(kinds_through(api, rt.settings), until, reason)
        if moved:
            log.warning("outbox: %s; %d notices wait for it", reason, moved)


class _Run:
    def __init__(
        self, rt: Runtime, gateway: WeChatGateway, limits: ApiLimits, deadline: datetime
    ) -> None:
        self.rt, self.gateway, self.limits, self.deadline = rt, gateway, limits, deadline
        self.unstarted: set[int] = set()
        self.outcomes: Counter[str] = Counter()
        self.paused: set[str] = set()  # APIs this run found paused

    async def send_all(self, items: list[Delivery], concurrency: int) -> None:
        self.unstarted = {item.id for item in items}
        queues: dict[object, list[Delivery]] = defaultdict(list)
        for item in items:  # a mass send has no account: it queues on its own
            queues[item.account_id or f"row:{item.id}"].append(item)
        gate = asyncio.Semaphore(max(1, concurrency))
        # A task group: should marking a row fail (the database went away), the other queues
        # stop too, and what they had not started is released.
        async with asyncio.TaskGroup() as group:
            for queue in queues.values():
                group.create_task(self._send_queue(queue, gate))

    async def _send_queue(self, queue: list[Delivery], gate: asyncio.Semaphore) -> None:
        async with gate:
            for item in queue:
                if self.rt.now() >= self.deadline:
                    return  # left in `unstarted`: released when the run ends
                self.unstarted.discard(item.id)
                outcome = await send_one(self.rt, self.gateway, self.limits, item, self.paused)
                self.outcomes[outcome] += 1


async def send_one(
    rt: Runtime,
    gateway: WeChatGateway,
    limits: ApiLimits,
    item: Delivery,
    paused: set[str] | None = None,
) -> str:
    """Send one claimed notice and mark its row; returns the outcome. An API found paused is
    added to ``paused``."""
    try:
        way = route(item.kind, item.channel, item.last_message_at, rt.now(), rt.settings)
        limits.check(way.apis)
        await deliver(rt, gateway, limits, item, way)
    except Held as exc:
        if paused is not None:
            paused.update(way.apis)
        await delivery.postpone(rt, item.id, exc.until, str(exc))
        return POSTPONED
    except WeChatQuotaError as exc:
        log.warning("notice %s waits for a quota: %s %s", item.id, exc.errcode, exc.errmsg)
        until = limits.paused_until(way.apis)
        if exc.scope == RECIPIENT or until is None:
            until = rt.now() + RECIPIENT_WAIT
        elif paused is not None:
            paused.update(way.apis)
        await delivery.postpone(rt, item.id, until, f"{exc.errcode}: {exc.errmsg}")
        return POSTPONED
    except Superseded as exc:
        await delivery.mark_skipped(rt, item.id, f"superseded: {exc}")
        return SKIPPED
    except Void as exc:
        # what it was about is gone (a person erased, a family link removed): nothing failed
        await delivery.mark_skipped(rt, item.id, f"void: {exc}")
        return SKIPPED
    except (Unroutable, NotFound) as exc:
        log.warning("notice %s cannot be delivered: %s", item.id, exc)
        await delivery.mark_failed(rt, item.id, str(exc) or type(exc).__name__)
        return FAILED
    except WeChatPermanentError as exc:
        log.warning("notice %s refused for good: %s %s", item.id, exc.errcode, exc.errmsg)
        await delivery.mark_failed(rt, item.id, f"{exc.errcode}: {exc.errmsg}")
        return FAILED
    except WeChatTransientError as exc:
        log.info("notice %s will be retried: %s %s", item.id, exc.errcode, exc.errmsg)
        await delivery.mark_retry(rt, item, f"{exc.errcode}: {exc.errmsg}")
        return RETRY
    except Exception as exc:
        # A fault of ours (a bug, the database): retried with backoff like a transient error,
        # so one bad row never blocks the others and ends failed after the last attempt.
        log.exception("notice %s could not be sent", item.id)
        await delivery.mark_retry(rt, item, f"{type(exc).__name__}: {exc}")
        return RETRY
    await delivery.mark_sent(rt, item.id)
    return SENT
