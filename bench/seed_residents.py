"""Seed synthetic residents fast, straight into the database (not through the chat): persons
with sealed name, document and phone and the keyed hash of a valid 居民身份证 number, an
account each, a green code and a declaration within the last 14 days.

    python -m bench.seed_residents --database-url URL --count 100000 [--district 120116]
        [--visitors 1000] [--data-dir bench/data]

The data key comes from ``--data-dir`` (made there if missing), as the service's does, so the
service and the benchmarks can open what this writes. Rows go in with bulk inserts of
``CHUNK``; the ids of each chunk of persons are read back with one query (SQLite's bulk insert
does not return them).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import secrets
import time
from datetime import date, timedelta
from pathlib import Path

from tortoise import connections

from bot.db import apply_migrations, close_database, open_database
from bot.health.identity import DocType
from bot.services.codes.decisions import reasons_to_json
from bot.services.district_table import ensure_districts
from bot.services.residents.people import DOCUMENT, NAME, PHONE, lookup_key
from bot.services.runtime import Runtime, build_runtime
from bot.settings import Settings
from models.code import HealthCode
from models.declaration import Declaration
from models.person import Account, Person

log = logging.getLogger("bench.seed_residents")
CHUNK = 5000
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_BORN_FROM = date(1950, 1, 1)


def resident_id(n: int, area: str = "120116") -> str:
    """The n-th synthetic 居民身份证 number: a birth day and a sequence, and the GB 11643
    check character, so it passes the same validation as a real one (unique for n < 20M)."""
    born = _BORN_FROM + timedelta(days=n // 1000)
    body = f"{area}{born:%Y%m%d}{n % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def bench_settings(database_url: str, data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, database_url=database_url, run_scheduler=False)


async def seed(
    rt: Runtime, count: int, district: int, first: int = 0, declared_in: int | None = None
) -> int:
    """Insert ``count`` residents of ``district`` numbered from ``first``; those given
    ``declared_in`` declared from that district (visitors). Returns how many were inserted."""
    green = reasons_to_json((rt.ruleset.fallback,))
    started = time.perf_counter()
    for start in range(first, first + count, CHUNK):
        numbers = range(start, min(start + CHUNK, first + count))
        await _chunk(rt, numbers, district, declared_in or district, green)
        done = numbers[-1] + 1 - first
        log.info("seeded %d/%d (%.0f/s)", done, count, done / (time.perf_counter() - started))
    return count


async def _chunk(
    rt: Runtime, numbers: range, district: int, declared_in: int, green: list[dict]
) -> None:
    now = rt.now()
    people = [_person(rt, n, district) for n in numbers]
    await Person.bulk_create(people)
    ids = dict(
        await Person.filter(public_id__in=[p.public_id for p in people]).values_list(
            "public_id", "id"
        )
    )
    person_ids = [ids[p.public_id] for p in people]
    await Account.bulk_create(
        [
            Account(channel="mp", openid=f"bench-{n}", person_id=pid)
            for n, pid in zip(numbers, person_ids, strict=True)
        ]
    )
    accounts = dict(await Account.filter(person_id__in=person_ids).values_list("person_id", "id"))
    await HealthCode.bulk_create(
        [
            HealthCode(
                person_id=pid,
                code_id=os.urandom(16).hex(),
                color="green",
                reasons=green,
                rules_version=rt.ruleset.version,
                valid_until=None,
                decided_at=now,
            )
            for pid in person_ids
        ]
    )
    await Declaration.bulk_create(
        [
            Declaration(
                person_id=pid,
                account_id=accounts[pid],
                district_id=declared_in,
                left_city=False,
                symptoms=[],
                contact=False,
                declared_at=now - timedelta(hours=random.uniform(0, 24 * 13)),
            )
            for pid in person_ids
        ]
    )


def _person(rt: Runtime, n: int, district: int) -> Person:
    doc = resident_id(n)
    return Person(
        public_id=secrets.token_hex(16),
        doc_type=DocType.RESIDENT_ID.value,
        doc_lookup=lookup_key(rt, DocType.RESIDENT_ID, doc),
        doc_number_sealed=rt.sealer.seal(doc, DOCUMENT),
        name_sealed=rt.sealer.seal(f"居民{n}", NAME),
        phone_sealed=rt.sealer.seal(f"139{n % 100_000_000:08d}", PHONE),
        district_id=district,
    )


async def analyze() -> None:
    """Refresh the planner's statistics, as autovacuum would have long before a real tier
    change: right after a bulk load PostgreSQL still believes the tables are nearly empty and
    plans sequential scans (and SQLite has no statistics at all until asked)."""
    await connections.get("default").execute_script("ANALYZE")


async def open_bench_database(database_url: str, data_dir: Path) -> Runtime:
    await apply_migrations(database_url)
    await open_database(database_url)
    rt = build_runtime(bench_settings(database_url, data_dir))
    await ensure_districts(rt)
    return rt


async def main(args: argparse.Namespace) -> None:
    rt = await open_bench_database(args.database_url, args.data_dir)
    try:
        first = await Person.all().count()
        started = time.perf_counter()
        await seed(rt, args.count, args.district, first)
        if args.visitors:
            await seed(rt, args.visitors, args.visitors_from, first + args.count, args.district)
        await analyze()
        took = time.perf_counter() - started
        total = args.count + args.visitors
        print(f"seeded {total} residents in {took:.1f} s ({total / took:.0f}/s)")
    finally:
        await close_database()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.seed_residents")
    parser.add_argument("--database-url", default="sqlite://bench/data/bench.sqlite3")
    parser.add_argument("--data-dir", type=Path, default=Path("bench/data"))
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--district", type=int, default=120116)
    parser.add_argument("--visitors", type=int, default=0, help="living elsewhere, declared here")
    parser.add_argument("--visitors-from", type=int, default=120119)
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    asyncio.run(main(_arguments()))
