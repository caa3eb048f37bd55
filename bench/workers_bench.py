"""Scans per second with ``serve --workers 2`` against ``--workers 1``, on PostgreSQL, on one
machine, wrk included (bench/README.md: two workers ≥ 1.3× one on two cores).

Run from the repository root (the database is emptied first: its name must start with bench)::

    python -m bench.workers_bench --database-url postgres://postgres@127.0.0.1:5432/bench_x

For each worker count (``--rounds`` times, alternating) the service is started on the emptied
database, seeded through its own interfaces (bench/service.py) and loaded with wrk (64
connections) on POST /api/checkpoint/scan after a warm-up; the bare aiohttp app (one process)
is measured in the same run beside it. The table is printed and written to
``bench/results/workers-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench import processes, service, wechat_stub
from bench.results import machine, print_rows, write_result
from bench.tier_change import reset_postgres
from bench.wrk import WrkResult, run_wrk
from bot.db import is_postgres

SCAN = "POST /api/checkpoint/scan"


async def run(args: argparse.Namespace, workdir: Path) -> dict:
    rows: list[dict] = []
    async with wechat_stub.running(processes.free_port()) as stub:
        with ExitStack() as bare_stack:
            bare = await service.start_bare(bare_stack, workdir)
            result, cpu = await _load(bare, bare.url, service.bare_load(bare.url), args)
            rows.append(service.row("bare aiohttp GET / (1 process)", result, None, cpu))
            runs = [w for _ in range(args.rounds) for w in args.workers]
            for run_number, workers in enumerate(runs):
                await reset_postgres(args.database_url)
                with ExitStack() as stack:
                    running = service.start(
                        stack,
                        workdir / f"run{run_number}",
                        stub.base_url,
                        args.database_url,
                        workers=workers,
                    )
                    await running.ready()
                    if workers > 1:
                        await asyncio.sleep(args.settle)  # every worker has bound the port
                    try:
                        seeded = await service.seed(running)
                        [scan] = [
                            load
                            for name, load in service.loads(running.url, seeded)
                            if name == SCAN
                        ]
                        before = running.cpu_by_process()
                        result, cpu = await _load(running, running.url, scan, args)
                        after = running.cpu_by_process()
                    except Exception:
                        print(
                            f"the service's log ends with:\n{running.server.log_tail()}",
                            file=sys.stderr,
                        )
                        raise
                    name = f"{SCAN} --workers {workers}"
                    rows.append(service.row(name, result, rows[0], cpu))
                    rows[-1]["service_rss_mb"] = running.rss_mb()
                    # CPU seconds each process used during the run (the supervisor's helpers ~0)
                    rows[-1]["cpu_seconds_by_process"] = sorted(
                        (round(after[pid] - before.get(pid, 0.0), 2) for pid in after),
                        reverse=True,
                    )
    # each run against the mean of the one-worker runs (rounds alternate 1, 2, 1, 2, …: a
    # machine that grows busier or quieter during the bench shows in both)
    ones = [r["rps"] for r in rows if r["endpoint"].endswith("--workers 1")]
    one = sum(ones) / len(ones) if ones else None
    for r in rows[1:]:
        r["vs_one_worker"] = round(r["rps"] / one, 2) if one else None
    return {
        "seconds": args.seconds,
        "connections": args.connections,
        "database": service.without_password(args.database_url),
        "machine": machine(),
        "results": rows,
    }


async def _load(
    server: service.Bare | service.Running, url: str, load: service.Load, args: argparse.Namespace
) -> tuple[WrkResult, float]:
    """wrk's result and the server's CPU seconds during it."""
    how = {"connections": args.connections, "expect": load.expect}
    await run_wrk(url, await load.requests(), seconds=args.warmup, **how)
    requests = await load.requests()
    before = server.cpu_seconds()
    result = await run_wrk(url, requests, seconds=args.seconds, **how)
    return result, server.cpu_seconds() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL; emptied first")
    parser.add_argument("--seconds", type=float, default=15, help="per run (default 15)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds first, not counted")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--rounds", type=int, default=2, help="times each worker count is run, alternating (2)"
    )
    parser.add_argument("--settle", type=float, default=3, help="seconds for workers to bind")
    args = parser.parse_args()
    if not is_postgres(args.database_url):
        parser.error("--database-url must be PostgreSQL (several processes share it)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="hc-bench-") as tmp:
        data = asyncio.run(run(args, Path(tmp)))
    print(
        f"\nwrk -t1 -c{data['connections']}, {data['seconds']:.0f} s per run, database "
        f"{data['database']}, {data['machine']['cpus']} CPUs (wrk and PostgreSQL share them), "
        f"load average at the end {' '.join(map(str, data['machine']['load_average_at_end']))}\n"
    )
    print_rows(data["results"])
    for r in data["results"][1:]:
        print(
            f"  {r['endpoint']}: {r['vs_one_worker']}× the one-worker mean; CPU seconds by "
            f"process {r.get('cpu_seconds_by_process')}"
        )
    print(f"\nwritten to {write_result('workers', data)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
