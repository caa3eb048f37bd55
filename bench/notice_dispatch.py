"""Notice dispatch to a stub WeChat API, in notices per second (DESIGN.md §11).

    python -m bench.notice_dispatch [--database-url URL] [--notices 5000]

A fresh database (a SQLite file, or a PostgreSQL database whose name starts with ``bench``,
emptied first) gets ``--notices`` residents, each with an official-account account and one
customer-service text due. Two things are then timed in the same run:

- the yardstick: bare aiohttp POSTs of the same JSON to the stub's custom-send endpoint, as many
  at once as the sender runs (``HC_OUTBOX_CONCURRENCY``): the cost of talking to WeChat at all;
- the real sender draining the outbox: claims in batches under a lease, wechatpy calls from
  threads, every row marked ``sent``.

The per-API rate limit is lifted for the run: its default (20 calls a second) guards the
account's quota, and with it the bench would time the guard. Results go to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import tempfile
import time
from pathlib import Path

import aiohttp

from bench import processes, wechat_stub
from bench.results import write_result
from bench.seed_residents import analyze, open_bench_database, seed
from bench.tier_change import reset_postgres
from bot.db import close_database, is_postgres
from bot.services.outbox import TEXT
from bot.services.runtime import Runtime
from bot.wechat import WeChatGateway
from models.outbox import Notice
from models.person import Account
from schedules.ratelimit import ApiLimits
from schedules.sender import drain_outbox

DISTRICT = 120116
TEXT_SENT = "【测试】这是一条用于测量发送速度的消息。"
UNLIMITED = 1e9  # calls a second: no rate limit


async def measure(args: argparse.Namespace, tmp: Path) -> dict:
    url = args.database_url or f"sqlite://{tmp}/dispatch.sqlite3"
    if is_postgres(url):
        await reset_postgres(url)
    rt = await open_bench_database(url, tmp / "data")
    try:
        async with wechat_stub.running(processes.free_port()) as stub:
            _configure(rt, stub)
            await seed(rt, args.notices, DISTRICT)
            await _queue_texts(rt)
            await analyze()
            concurrency = rt.settings.schedules.outbox_concurrency
            bare = await _bare_posts(stub, args.notices, concurrency)
            stub.texts_sent = 0
            sender = await _drain(rt, stub, args.notices)
            sent_rows = await Notice.filter(status="sent").count()
        return {
            "backend": "postgres" if is_postgres(url) else "sqlite",
            "notices": args.notices,
            "concurrency": concurrency,
            "batch": rt.settings.schedules.outbox_batch,
            "bare_posts_per_second": round(bare),
            "sender_notices_per_second": round(sender),
            "ratio": round(sender / bare, 3),
            "delivered_to_stub": stub.texts_sent,
            "rows_marked_sent": sent_rows,
        }
    finally:
        await close_database()


def _configure(rt: Runtime, stub: wechat_stub.Stub) -> None:
    settings = dataclasses.replace(
        rt.settings,
        wechat_appid=wechat_stub.APPID,
        wechat_secret=wechat_stub.SECRET,
        wechat_api_base=stub.base_url,
    )
    schedules = dataclasses.replace(settings.schedules, wechat_rate_per_second=UNLIMITED)
    rt.settings = dataclasses.replace(settings, schedules=schedules)


async def _queue_texts(rt: Runtime) -> None:
    now = rt.now()
    ids = await Account.all().order_by("id").values_list("id", flat=True)
    for start in range(0, len(ids), 1000):
        await Notice.bulk_create(
            [
                Notice(
                    dedupe_key=f"bench:{account_id}",
                    account_id=account_id,
                    kind=TEXT,
                    payload={"text": TEXT_SENT},
                    due_at=now,
                    created_at=now,
                )
                for account_id in ids[start : start + 1000]
            ]
        )


async def _bare_posts(stub: wechat_stub.Stub, count: int, concurrency: int) -> float:
    """POSTs of the same body straight to the stub, ``concurrency`` at a time."""
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
                body = {"touser": f"bench-{n}", "msgtype": "text", "text": {"content": TEXT_SENT}}
                async with session.post(
                    wechat_stub.CUSTOM_SEND, params={"access_token": token}, json=body
                ) as response:
                    await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)


async def _drain(rt: Runtime, stub: wechat_stub.Stub, count: int) -> float:
    s = rt.settings
    gateway = WeChatGateway(s.wechat_appid, s.wechat_secret, s.wechat_api_base)
    limits = ApiLimits(UNLIMITED)
    try:
        started = time.perf_counter()
        sent = 0
        while sent < count:
            done = await drain_outbox(rt, gateway, limits, budget=60)
            if not done:
                raise RuntimeError(f"the sender stopped after {sent} of {count} notices")
            sent += done
            logging.getLogger("bench").info("sent %d/%d", sent, count)
        return count / (time.perf_counter() - started)
    finally:
        await gateway.close()


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        row = await measure(args, Path(tmp))
    print(
        f"{row['backend']}: {row['notices']} customer-service texts, {row['concurrency']} at "
        f"once, batches of {row['batch']}\n"
        f"  bare aiohttp POSTs to the stub: {row['bare_posts_per_second']}/s\n"
        f"  the sender (claim, wechatpy, mark): {row['sender_notices_per_second']}/s "
        f"= {row['ratio']} of bare\n"
        f"  the stub received {row['delivered_to_stub']}, rows marked sent "
        f"{row['rows_marked_sent']}"
    )
    out = write_result(f"dispatch-{row['backend']}", row)
    print(f"written to {out}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.notice_dispatch")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--notices", type=int, default=5000)
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main(_arguments()))
