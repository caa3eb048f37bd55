"""Notice dispatch at scale: a backlog of code-change notices drained through a stub WeChat API
(bench/README.md), at the configured per-API rate and without a limit.

    python -m bench.notice_dispatch [--database-url URL] [--notices 10000] [--rate 100]
        [--repeat 0.1] [--concurrency 4]

A fresh database (a SQLite file, or a PostgreSQL database whose name starts with ``bench``,
emptied first) gets residents of one district, each with an official-account account. The
notices come from the service's own paths: the district's tier goes high (every code turns
orange, a notice each), then the health authority's feed lists a share (``--repeat``) of them
as confirmed cases (red: a second notice to the same people). That makes ``--notices`` rows,
and every person must get exactly one template message saying their latest colour: the
coalescing at the claim supersedes the orange notice of those who are red now.

Three things are timed in the same run:

- the yardstick: bare aiohttp POSTs of a template message to the stub, as many at once as the
  sender runs (``HC_OUTBOX_CONCURRENCY``), one per person: the cost of talking to WeChat at all;
- the sender at the configured rate (``--rate`` calls a second to the template API), run the
  way the scheduler runs it (a run of at most 10 s, the next at once while a backlog is left):
  the rate it achieves against the rate configured;
- the same backlog again with no rate limit: the sender's own ceiling, as a ratio to bare.

Each run checks that nothing was lost: one message per person, the latest colour, every row
ended ``sent`` or ``skipped``. The load average is printed: the machine may be shared. Results
go to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import aiohttp

from bench import processes, wechat_stub
from bench.results import write_result
from bench.seed_residents import analyze, open_bench_database, resident_id, seed
from bench.tier_change import reset_postgres
from bot.db import close_database, is_postgres
from bot.services.feeds.imports import import_feed
from bot.services.redecide.tiers import set_tier
from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway
from bot.wechat.api_limits import ApiLimits
from bot.wechat.sender import drain_outbox
from models.outbox import Notice

log = logging.getLogger("bench.notice_dispatch")
DISTRICT = 120116
TEMPLATE = "BENCH-CODE-CHANGED"
UNLIMITED = 1e9  # calls a second: no rate limit
ORANGE, RED = "🟢 绿码 → 🟠 橙码", "🟢 绿码 → 🔴 红码"


async def measure(args: argparse.Namespace, tmp: Path) -> dict:
    url = args.database_url or f"sqlite://{tmp}/dispatch.sqlite3"
    if is_postgres(url):
        await reset_postgres(url)
    rt = await open_bench_database(url, tmp / "data")
    people = round(args.notices / (1 + args.repeat))
    cases = args.notices - people
    try:
        async with wechat_stub.running(processes.free_port()) as stub:
            _configure(rt, stub, args.concurrency)
            queued = await _queue(rt, people, cases)
            backlog = await _backlog()
            concurrency = rt.settings.schedules.outbox_concurrency
            load_before = os.getloadavg()[0]
            bare = await _bare_posts(stub, people, concurrency)
            limited = await _drain(rt, stub, people, args.rate)
            _check(stub, people, cases)
            await _requeue(backlog)
            stub.templates.clear()
            unlimited = await _drain(rt, stub, people, UNLIMITED)
            _check(stub, people, cases)
            rows = dict(Counter(await Notice.all().values_list("status", flat=True)))
        return {
            "backend": "postgres" if is_postgres(url) else "sqlite",
            "notices": queued,
            "people": people,
            "concurrency": concurrency,
            "batch": rt.settings.schedules.outbox_batch,
            "bare_posts_per_second": round(bare),
            "rate_configured": args.rate,
            "rate_achieved": round(limited, 1),
            "achieved_of_configured": round(limited / args.rate, 3),
            "unlimited_sends_per_second": round(unlimited),
            "unlimited_of_bare": round(unlimited / bare, 3),
            "rows_after": rows,
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
    finally:
        await close_database()


def _configure(rt: Runtime, stub: wechat_stub.Stub, concurrency: int | None) -> None:
    schedules = rt.settings.schedules
    if concurrency:
        schedules = dataclasses.replace(schedules, outbox_concurrency=concurrency)
    rt.settings = dataclasses.replace(
        rt.settings,
        wechat_appid=wechat_stub.APPID,
        wechat_secret=wechat_stub.SECRET,
        wechat_api_base=stub.base_url,
        template_code_changed=TEMPLATE,
        schedules=schedules,
    )


async def _queue(rt: Runtime, people: int, cases: int) -> int:
    """``people`` residents turn orange, then ``cases`` of them red: a notice per change."""
    started = time.perf_counter()
    await seed(rt, people, DISTRICT)
    await analyze()
    await set_tier(rt, None, DISTRICT, "high", "bench")
    since = (date.today() - timedelta(days=2)).isoformat()
    records = [
        {
            "record_id": f"bench-case-{n}",
            "doc_type": "resident_id",
            "doc_number": resident_id(n),
            "status": "confirmed",
            "since": since,
        }
        for n in range(cases)
    ]
    await import_feed(rt, None, "bench", list(enumerate(records)))
    await analyze()
    queued = await Notice.all().count()
    log.info("queued %d notices in %.1f s", queued, time.perf_counter() - started)
    return queued


async def _backlog() -> list[dict]:
    return (
        await Notice.all()
        .order_by("id")
        .values("dedupe_key", "account_id", "kind", "payload", "subject", "priority", "due_at")
    )


async def _requeue(backlog: list[dict]) -> None:
    """The same backlog again, for the second run: every row pending as it was queued."""
    await Notice.all().delete()
    rows = [Notice(**{**row, "dedupe_key": "again:" + row["dedupe_key"]}) for row in backlog]
    for row in rows:
        row.created_at = row.due_at
    for start in range(0, len(rows), 1000):
        await Notice.bulk_create(rows[start : start + 1000])


async def _bare_posts(stub: wechat_stub.Stub, count: int, concurrency: int) -> float:
    """Template-message POSTs straight to the stub, ``concurrency`` at a time."""
    async with aiohttp.ClientSession(base_url=stub.base_url) as session:
        async with session.get(
            "cgi-bin/token",
            params={
                "grant_type": "client_credential",
                "appid": wechat_stub.APPID,
                "secret": wechat_stub.SECRET,
            },
        ) as response:
            token = (await response.json())["access_token"]
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(count):
            queue.put_nowait(n)

        async def worker() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                body = {
                    "touser": f"bare-{n}",
                    "template_id": TEMPLATE,
                    "url": "http://127.0.0.1/c/x",
                    "data": {"keyword2": {"value": ORANGE}},
                }
                async with session.post(
                    wechat_stub.TEMPLATE_SEND, params={"access_token": token}, json=body
                ) as response:
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        took = time.perf_counter() - started
    stub.templates.clear()
    return count / took


async def _drain(rt: Runtime, stub: wechat_stub.Stub, people: int, rate: float) -> float:
    """Run the sender as the scheduler does until every person was told; sends a second."""
    s = rt.settings
    gateway = WeChatGateway(s.wechat_appid, s.wechat_secret, s.wechat_api_base)
    limits = ApiLimits(rate, now=rt.now)
    try:
        started = time.perf_counter()
        while len(stub.templates) < people:
            drained = await drain_outbox(rt, gateway, limits)
            if not drained.more and len(stub.templates) < people:
                if not await Notice.filter(status__in=("pending", "sending")).exists():
                    raise RuntimeError(f"the sender stopped after {len(stub.templates)} sends")
                await asyncio.sleep(s.outbox_interval_seconds)  # the scheduler's next tick
            log.info("sent %d/%d", len(stub.templates), people)
        return people / (time.perf_counter() - started)
    finally:
        await gateway.close()


def _check(stub: wechat_stub.Stub, people: int, cases: int) -> None:
    """One message per person, the latest colour: the first ``cases`` residents are red."""
    told = dict(stub.templates)
    if len(stub.templates) != people or len(told) != people:
        raise AssertionError(f"{len(stub.templates)} messages to {len(told)} of {people} people")
    red = {f"bench-{n}" for n in range(cases)}
    wrong = [who for who, said in told.items() if said != (RED if who in red else ORANGE)]
    if wrong:
        raise AssertionError(f"{len(wrong)} people were told a stale colour, e.g. {wrong[:3]}")


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        row = await measure(args, Path(tmp))
    print(
        f"{row['backend']}: {row['notices']} code-change notices to {row['people']} people, "
        f"{row['concurrency']} accounts at once, batches of {row['batch']}, load average "
        f"{row['load_average'][0]} → {row['load_average'][1]}\n"
        f"  bare aiohttp POSTs to the stub: {row['bare_posts_per_second']}/s\n"
        f"  the sender at {row['rate_configured']}/s configured: {row['rate_achieved']}/s "
        f"= {row['achieved_of_configured']} of the configured rate\n"
        f"  the sender unlimited: {row['unlimited_sends_per_second']}/s "
        f"= {row['unlimited_of_bare']} of bare\n"
        f"  every person told once, the latest colour; rows after: {row['rows_after']}"
    )
    out = write_result(f"dispatch-{row['backend']}", row)
    print(f"written to {out}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.notice_dispatch")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument(
        "--rate", type=float, default=100.0, help="calls a second per API (the setting: 20)"
    )
    parser.add_argument(
        "--repeat", type=float, default=0.1, help="the share of people with a second change"
    )
    parser.add_argument(
        "--concurrency", type=int, help="accounts served at once (default: the setting's, 4)"
    )
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main(_arguments()))
