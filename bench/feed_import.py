"""A feed import of N records, in records per second (bench/README.md).

    python -m bench.feed_import [--database-url URL] [--records 100000] [--residents 10000]
        [--matched 0.1]

The database starts empty (a fresh SQLite file, or a PostgreSQL database whose name starts
with ``bench``, its schema made again). ``--residents`` people are seeded; a CSV of
``--records`` records is written, a share ``--matched`` of them naming seeded residents (each
such resident turns red and gets a notice), the rest people not registered. The file is then
imported the way ``python -m bot import-feed`` does (read, checked, hashed, chunked), twice:
the second import finds every record unchanged. Results go to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.results import write_result
from bench.seed_residents import analyze, open_bench_database, resident_id, seed
from bench.tier_change import reset_postgres
from bot.db import close_database, is_postgres
from bot.services.feeds.files import read_feed
from bot.services.feeds.imports import import_feed
from models.code import HealthCode

DISTRICT = 120116
STATUSES = ("confirmed", "suspected", "close_contact", "quarantine", "recovered", "cleared")


def write_feed(path: Path, records: int, residents: int, matched: float) -> None:
    """Every ``1/matched``-th record names a seeded resident; the others nobody registered."""
    since = date.today() - timedelta(days=3)
    until = date.today() + timedelta(days=11)
    step = max(round(1 / matched), 1) if matched > 0 else 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["record_id", "doc_type", "doc_number", "status", "since", "until"])
        for i in range(records):
            known = step and i % step == 0 and i // step < residents
            doc = resident_id(i // step if known else 10_000_000 + i)
            status = "confirmed" if known else STATUSES[i % 4]
            end = until.isoformat() if status == "quarantine" else ""
            out.writerow([f"bench-{i}", "resident_id", doc, status, since.isoformat(), end])


async def measure(args: argparse.Namespace, tmp: Path) -> dict:
    url = args.database_url or f"sqlite://{tmp}/feed.sqlite3"
    if is_postgres(url):
        await reset_postgres(url)
    rt = await open_bench_database(url, tmp / "data")
    try:
        await seed(rt, args.residents, DISTRICT)
        await analyze()
        feed = tmp / "feed.csv"
        write_feed(feed, args.records, args.residents, args.matched)
        first = await _timed(rt, feed)
        red = await HealthCode.filter(color="red").count()
        second = await _timed(rt, feed)
        return {
            "backend": "postgres" if is_postgres(url) else "sqlite",
            "records": args.records,
            "residents": args.residents,
            "first": first,
            "red_after_first": red,
            "again": second,
        }
    finally:
        await close_database()


async def _timed(rt, feed: Path) -> dict:
    started = time.perf_counter()
    result = await import_feed(rt, None, "bench", read_feed(feed))
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "records_per_second": round(result.received / seconds),
        "created": result.created,
        "unchanged": result.unchanged,
        "matched": result.matched,
        "redecided": result.tally.decided,
        "notices": result.tally.notices,
    }


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        row = await measure(args, Path(tmp))
    for run in ("first", "again"):
        r = row[run]
        print(
            f"{row['backend']} {run:>5}: {row['records']} records in {r['seconds']} s = "
            f"{r['records_per_second']}/s (created {r['created']}, unchanged {r['unchanged']}, "
            f"matched {r['matched']}, re-decided {r['redecided']}, notices {r['notices']})"
        )
    out = write_result(f"feed-import-{row['backend']}", row)
    print(f"written to {out}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.feed_import")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--matched", type=float, default=0.1, help="share naming residents")
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main(_arguments()))
