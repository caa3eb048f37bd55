"""Where every bench writes what it measured: ``bench/results/<name>-<UTC time>.json`` (not
committed; see .gitignore)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def write_result(name: str, data: object) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return path


def machine() -> dict:
    """What the numbers were measured on, and how busy it was when they were."""
    import os
    import platform

    import aiohttp

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def print_rows(rows: list[dict]) -> None:
    head = f"{'endpoint':34} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'bare req/s':>10} "
    print(head + f"{'÷bare':>6} {'CPU µs':>7} {'CPU÷bare':>8} {'RSS MB':>6} {'errors':>6}")
    for r in rows:
        rss, cpu, ratio = r.get("service_rss_mb"), r.get("cpu_us_per_request"), r.get("cpu_ratio")
        print(
            f"{r['endpoint']:34} {r['rps']:7.0f} {r['p50_ms']:7.2f} {r['p99_ms']:7.2f} "
            f"{r['bare_rps']:10.0f} {r['rps_ratio']:6.3f} {cpu or '':>7} {ratio or '':>8} "
            f"{rss or '':>6} {r['errors']:6}"
        )
    for r in rows:
        if r["first_error"]:
            print(f"  {r['endpoint']}: first unexpected answer {r['first_error']}")
