"""Requests per second and latency of the service's hot paths, as ratios to a bare aiohttp app.

Run from the repository root::

    python -m bench.http_bench [--seconds 10] [--connections 64] [--database-url URL]

One run starts, on loopback ports, a bare aiohttp app and the real service (``python -m bot
serve``, one process, scheduler off, a stub WeChat API that answers ``jscode2session`` only),
seeds the service through its own interfaces (``add-staff``, a declaration dialogue over signed
WeChat messages, a mini-program login that claims the same person), then loads each endpoint
with wrk (``bench/wrk.py``: a process of its own, 64 connections) for a warm-up and the measured
run. Every answer is checked (status and body). The table, with the service's memory, is printed
and written to ``bench/results/http-<timestamp>.json``. The database defaults to a fresh SQLite
file; pass a PostgreSQL URL to measure that instead.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench import processes, service, wechat_stub
from bench.results import machine, print_rows, write_result
from bench.wrk import run_wrk

BARE = "bare aiohttp GET /"


async def run(args: argparse.Namespace, workdir: Path, stack: ExitStack) -> dict:
    async with wechat_stub.running(processes.free_port()) as stub:
        bare = await service.start_bare(stack, workdir)
        bare_url = bare.url
        running = service.start(stack, workdir, stub.base_url, args.database_url, workers=1)
        await running.ready()
        try:
            seeded = await service.seed(running)
            rows = []
            loads = [(BARE, service.bare_load(bare_url))]
            loads += service.loads(running.url, seeded)
            loads.append((f"{BARE} (again)", service.bare_load(bare_url)))
            for name, load in loads:
                if args.only and not name.startswith(BARE) and not _chosen(name, args.only):
                    continue
                print(f"measuring {name} …", file=sys.stderr, flush=True)
                server = bare if name.startswith(BARE) else running
                url = bare_url if name.startswith(BARE) else running.url
                await run_wrk(url, await load.requests(), seconds=args.warmup, **_how(args, load))
                requests = await load.requests()
                cpu_before = server.cpu_seconds()
                result = await run_wrk(url, requests, seconds=args.seconds, **_how(args, load))
                cpu = server.cpu_seconds() - cpu_before
                rows.append(service.row(name, result, rows[0] if rows else None, cpu))
                if not name.startswith(BARE):
                    rows[-1]["service_rss_mb"] = running.rss_mb()
        except Exception:
            print(f"the service's log ends with:\n{running.server.log_tail()}", file=sys.stderr)
            raise
        return {
            "seconds": args.seconds,
            "connections": args.connections,
            "database": service.without_password(running.database_url),
            "service_peak_rss_mb": running.peak_rss_mb(),
            "machine": machine(),
            "results": rows,
        }


def _chosen(name: str, words: list[str]) -> bool:
    return any(word in name for word in words)


def _how(args: argparse.Namespace, load: service.Load) -> dict:
    return {"connections": args.connections, "expect": load.expect}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="per endpoint (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds first, not counted")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument(
        "--only", nargs="*", help="measure only endpoints whose name holds one of these words"
    )
    args = parser.parse_args()
    if args.seconds < 1 or args.connections < 1:
        parser.error("--seconds and --connections must be at least 1")
    # A SIGTERM to the bench should still stop the servers: let it unwind like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="hc-bench-") as tmp, ExitStack() as stack:
        data = asyncio.run(run(args, Path(tmp), stack))
    print(
        f"\nwrk -t1 -c{data['connections']}, {data['seconds']:.0f} s per endpoint, database "
        f"{data['database']}, {data['machine']['cpus']} CPUs (wrk shares them), load average at "
        f"the end {' '.join(map(str, data['machine']['load_average_at_end']))}, "
        f"service peak RSS {data['service_peak_rss_mb']:.0f} MB\n"
    )
    print_rows(data["results"])
    print(f"\nwritten to {write_result('http', data)}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
