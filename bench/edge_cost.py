"""CPU per request of the HTTP edge alone, in process: the real app's routing (root and
sub-app), middlewares, the route's declarations (``@requires``), the handler and its answer with
the security headers, for one request object handled again and again, with what lies under the
edge stubbed (the database ping, the scan's service, the body's parse) and the credentials
cached. Not the socket, the HTTP parser or the write: ``bench.http_bench`` has those, with the
services, against the bare handler.

Run from the repository root::

    python -m bench.edge_cost [--requests 30000]

CPU time (``time.process_time``), the best of five rounds: on a loaded machine the rounds that
were not interrupted are the edge's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

import handlers.checkpoint
from bot.app import create_app
from bot.app_state import DATABASE_PING, RUNTIME
from bot.edge import share
from bot.services.access.credentials import CachedStaff
from bot.services.access.staff import _hash as token_hash  # the hash its cache is keyed by
from bot.services.checkpoint.scan import ScanResult
from bot.settings import Settings
from bot.single_flight import SingleFlight
from handlers.request_bodies import Scan
from handlers.security_headers import set_security_headers

TOKEN = "bench-edge-token"
SCAN = "/api/checkpoint/scan"
ROUNDS = 5


async def _ok() -> bool:
    return True


async def _scanned(*_args: Any, **_kw: Any) -> ScanResult:
    return ScanResult(verdict="pass", name="张*三", source="live")


async def _body(*_args: Any, **_kw: Any) -> Scan:
    return Scan(token="HC1:ABC", place="bench gate")


async def _per_request(app: web.Application, method: str, path: str, headers: dict, n: int):
    request = make_mocked_request(method, path, headers=headers, app=app)
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        for _ in range(n):
            response = await app._handle(request)
            await set_security_headers(request, response)
            assert response.status == 200, getattr(response, "text", response.status)
        best = min(best, (time.process_time() - start) / n * 1e6)
    return best


def _app(tmp: str) -> web.Application:
    settings = Settings(
        data_dir=Path(tmp) / "data",
        database_url=f"sqlite://{tmp}/unused.sqlite3",  # never opened: nothing is started
        public_base_url="http://bench",
        run_scheduler=False,
        scans_per_minute=0,
    )
    handlers.checkpoint.scan = _scanned  # type: ignore[assignment]
    handlers.checkpoint.read_body = _body  # type: ignore[assignment]
    app = create_app(settings)
    app[DATABASE_PING] = SingleFlight(_ok)
    rt = app[RUNTIME]
    rt.credentials.staff.ttl = 1e9
    rt.credentials.staff.put(token_hash(TOKEN), CachedStaff(1, "检查员", "checkpoint"))
    share(app)  # what start-up does (bot/edge.py), without opening a database
    app.on_startup.freeze()
    app.freeze()
    return app


async def main(n: int) -> None:
    async def bare_handler(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    bare = web.Application()
    bare.add_routes([web.get("/", bare_handler)])
    bare.freeze()
    with tempfile.TemporaryDirectory(prefix="hc-edge-") as tmp:
        app = _app(tmp)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        rows = [
            ("bare aiohttp GET /", await _per_request(bare, "GET", "/", {}, n)),
            ("GET /healthz", await _per_request(app, "GET", "/healthz", {}, n)),
            ("POST /api/checkpoint/scan", await _per_request(app, "POST", SCAN, auth, n)),
        ]
    for name, micros in rows:
        print(f"{name:32} {micros:7.2f} µs CPU per request (best of {ROUNDS} × {n})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30_000, help="per round (30 000)")
    asyncio.run(main(parser.parse_args().requests))
