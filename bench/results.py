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
    head = f"{'endpoint':30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'bare req/s':>10} "
    print(head + f"{'÷bare':>7} {'RSS MB':>7} {'errors':>6}")
    for r in rows:
        rss = r.get("service_rss_mb")
        print(
            f"{r['endpoint']:30} {r['rps']:8.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} "
            f"{r['bare_rps']:10.0f} {r['rps_ratio']:7.3f} {rss if rss else '':>7} {r['errors']:6}"
        )
    for r in rows:
        if r["first_error"]:
            print(f"  {r['endpoint']}: first unexpected answer {r['first_error']}")
