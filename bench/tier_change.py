"""A tier change over a district of N residents (bench/README.md): the time to re-decide every
code and queue every notice, and how it grows with N.

    python -m bench.tier_change [--database-url URL] [--sizes 10000,100000] [--batch 1000]

For each N the database starts empty: a fresh SQLite file, or, for PostgreSQL, a database
whose name starts with ``bench`` with its schema dropped and made again (any other name is
refused). N residents of Binhai (and N/100 visitors who declared there) are seeded with
``bench.seed_residents``, then the district goes low → high (every code turns orange and gets a
notice) and high → low (back to green). Progress lines are logged per batch; the table gives
the seconds and the milliseconds per 1000 residents, which stay flat when the work is linear.
Results are also written to ``bench/results/tier-change-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import tempfile
import time
from pathlib import Path

import asyncpg

from bench.results import write_result
from bench.seed_residents import analyze, open_bench_database, seed
from bot.db import close_database, is_postgres
from bot.services.redecide.batches import BATCH
from bot.services.redecide.tiers import set_tier
from bot.settings import Settings
from models.code import HealthCode
from models.outbox import Notice

DISTRICT, ELSEWHERE = 120116, 120119


async def reset_postgres(url: str) -> None:
    name = url.rsplit("/", 1)[-1].split("?")[0]
    if not name.startswith("bench"):
        raise SystemExit(f"refusing to empty the database {name!r}: its name must start with bench")
    conn = await asyncpg.connect("postgresql://" + url.split("://", 1)[1])
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def measure(database_url: str, size: int, args: argparse.Namespace, data_dir: Path) -> dict:
    if is_postgres(database_url):
        await reset_postgres(database_url)
    rt = await open_bench_database(database_url, data_dir)
    rt = dataclasses.replace(
        rt, settings=dataclasses.replace(rt.settings, redecide_workers=args.workers)
    )
    batch = args.batch
    try:
        started = time.perf_counter()
        await seed(rt, size, DISTRICT)
        await seed(rt, max(size // 100, 1), ELSEWHERE, first=size, declared_in=DISTRICT)
        await analyze()
        seeded = time.perf_counter() - started
        up = await set_tier(rt, None, DISTRICT, "high", "bench", batch=batch)
        orange = await HealthCode.filter(color="orange").count()
        notices = await Notice.all().count()
        down = await set_tier(rt, None, DISTRICT, "low", "bench", batch=batch)
        return {
            "residents": size,
            "affected": up.tally.decided,
            "seed_seconds": round(seeded, 2),
            "high_seconds": round(up.tally.seconds, 2),
            "low_seconds": round(down.tally.seconds, 2),
            "orange_after_high": orange,
            "notices_after_high": notices,
            "ms_per_1k": round(1000 * up.tally.seconds / up.tally.decided * 1000, 1),
        }
    finally:
        await close_database()


async def main(args: argparse.Namespace) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            url = args.database_url or f"sqlite://{tmp}/tier-{size}.sqlite3"
            rows.append(await measure(url, size, args, Path(tmp) / "data"))
            print(_line(rows[-1]), flush=True)
    backend = "postgres" if args.database_url and is_postgres(args.database_url) else "sqlite"
    workers = args.workers if backend == "postgres" else 1
    print(f"\ntier change on {backend}, batches of {args.batch}, {workers} at once")
    print(
        f"{'residents':>10} {'affected':>9} {'seed s':>8} {'high s':>8} {'low s':>8} {'ms/1k':>8}"
    )
    for row in rows:
        print(_line(row))
    out = write_result(
        f"tier-change-{backend}",
        {"backend": backend, "batch": args.batch, "workers": workers, "runs": rows},
    )
    print(f"written to {out}")


def _line(row: dict) -> str:
    return (
        f"{row['residents']:>10} {row['affected']:>9} {row['seed_seconds']:>8} "
        f"{row['high_seconds']:>8} {row['low_seconds']:>8} {row['ms_per_1k']:>8}"
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.tier_change")
    parser.add_argument("--database-url", help="default: a fresh SQLite file per size")
    parser.add_argument(
        "--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[10_000, 100_000]
    )
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument(
        "--workers", type=int, default=Settings().redecide_workers, help="batches at once (PG)"
    )
    parser.add_argument("--verbose", action="store_true", help="log every batch")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    logging.basicConfig(
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    asyncio.run(main(arguments))
