"""The outbox sender: deliver due notices through the WeChat gateway, never on a request path.

One run claims a batch and sends it: several accounts at once, each account's notices in order
(the reply's image before the next text). Every row ends marked: sent, retried later with
backoff (a transient error), failed with the reason (a permanent refusal), skipped (no longer
true) or postponed (its API's quota ran out). Rows not started when the run stops, or when its
lease is running out, go back to the outbox at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from tortoise.exceptions import DoesNotExist

from bot.services import delivery
from bot.services.delivery import Delivery
from bot.services.errors import NotFound
from bot.services.notices import Superseded, Void
from bot.services.notices_routes import Unroutable, route
from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway, WeChatPermanentError, WeChatTransientError
from schedules.ratelimit import ApiLimits, Held
from schedules.transport import deliver

log = logging.getLogger(__name__)
BATCH = 50
DRAIN_SECONDS = 10.0  # below the runner's stop timeout
SENT, RETRY, FAILED, SKIPPED, POSTPONED = "sent", "retry", "failed", "skipped", "postponed"


async def drain_outbox(
    rt: Runtime,
    gateway: WeChatGateway,
    limits: ApiLimits | None = None,
    budget: float = DRAIN_SECONDS,
) -> int:
    """The scheduled job: batch after batch while full batches keep going out, for at most
    ``budget`` seconds (a stop waits for a run in progress); returns how many were sent."""
    limits = limits or ApiLimits(rt.settings.schedules.wechat_rate_per_second)
    started, sent = time.monotonic(), 0
    while True:
        claimed, outcomes = await send_batch(rt, gateway, None, limits)
        sent += outcomes[SENT]
        if claimed < rt.settings.schedules.outbox_batch or not outcomes[SENT]:
            return sent  # drained, or WeChat is refusing: the next run tries again
        if time.monotonic() - started > budget:
            return sent


async def send_due_notices(
    rt: Runtime, gateway: WeChatGateway, batch: int | None = None, limits: ApiLimits | None = None
) -> int:
    """Deliver one batch; returns how many were sent."""
    _claimed, outcomes = await send_batch(rt, gateway, batch, limits)
    return outcomes[SENT]


async def send_batch(
    rt: Runtime, gateway: WeChatGateway, batch: int | None, limits: ApiLimits | None
) -> tuple[int, Counter[str]]:
    """Claim one batch and send it; returns how many were claimed and what became of them."""
    settings = rt.settings.schedules
    limits = limits or ApiLimits(settings.wechat_rate_per_second)
    claimed_at = rt.now()
    items = await delivery.claim_due(rt, batch or settings.outbox_batch)
    if not items:
        return 0, Counter()
    # Stop starting sends well before the lease ends, so no other sender can claim a row
    # while this one is still sending it.
    run = _Run(rt, gateway, limits, claimed_at + settings.outbox_lease * 0.8)
    try:
        await run.send_all(items, settings.outbox_concurrency)
    finally:
        if run.unstarted:
            await asyncio.shield(delivery.release(rt, run.unstarted))
    log.info(
        "outbox: %d claimed, %s",
        len(items),
        ", ".join(f"{n} {outcome}" for outcome, n in sorted(run.outcomes.items())),
    )
    return len(items), run.outcomes


class _Run:
    def __init__(
        self, rt: Runtime, gateway: WeChatGateway, limits: ApiLimits, deadline: datetime
    ) -> None:
        self.rt, self.gateway, self.limits, self.deadline = rt, gateway, limits, deadline
        self.unstarted: set[int] = set()
        self.outcomes: Counter[str] = Counter()

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
                self.outcomes[await send_one(self.rt, self.gateway, self.limits, item)] += 1


async def send_one(rt: Runtime, gateway: WeChatGateway, limits: ApiLimits, item: Delivery) -> str:
    """Send one claimed notice and mark its row; returns the outcome."""
    try:
        way = route(item.kind, item.channel, item.last_message_at, rt.now(), rt.settings)
        held = limits.held_for(way.apis)
        if held > 0:
            raise Held(",".join(way.apis), held)
        await deliver(rt, gateway, limits, item, way)
    except Held as exc:
        await delivery.postpone(rt, item.id, timedelta(seconds=exc.seconds), str(exc))
        return POSTPONED
    except Superseded as exc:
        await delivery.mark_skipped(rt, item.id, f"superseded: {exc}")
        return SKIPPED
    except Void as exc:
        # what it was about is gone (a person erased, a family link removed): nothing failed
        await delivery.mark_skipped(rt, item.id, f"void: {exc}")
        return SKIPPED
    except (Unroutable, NotFound, DoesNotExist) as exc:
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
