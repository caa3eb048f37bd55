"""Requests per second and latency of the service's hot paths, as ratios to a bare aiohttp app.

Run from the repository root::

    python -m bench.http_bench [--requests 2000] [--concurrency 16] [--database-url URL]

One run starts, on loopback ports, a bare aiohttp app and the real service (``python -m bot
serve``, scheduler off, a stub WeChat API that answers ``jscode2session`` only), seeds the
service through its own interfaces (``add-staff``, a declaration dialogue over signed WeChat
messages, a mini-program login that claims the same person), then loads each endpoint after a
warm-up. The table is printed and written to ``bench/results/http-<timestamp>.json``.
The database defaults to a fresh SQLite file; pass a PostgreSQL URL to measure that instead.
The load generator shares the machine with the servers, as DESIGN.md §11 asks ("one machine").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import signal
import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from bench import processes, wechat_stub
from bench.load import Endpoint, Measurement, Request, warm_up_and_measure
from bench.results import write_result
from bench.seed import code_token, declare, miniapp_session, staff_token, text_message
from bot.settings import Settings
from bot.texts import t
from bot.wechat import CallbackCodec

TOKEN_MAX_AGE_SECONDS = 100  # tokens live 120 s: fetch a new one well before a scan says expired
BARE = "bare aiohttp GET /"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class CodeTokens:
    """The resident's current code token, read from the QR image, renewed before it expires."""

    def __init__(self, session: aiohttp.ClientSession, qr_url: str) -> None:
        self._session = session
        self._qr_url = qr_url
        self._lock = asyncio.Lock()
        self._token = ""
        self._issued_at = datetime.min.replace(tzinfo=UTC)

    async def current(self) -> str:
        async with self._lock:
            age = (datetime.now(UTC) - self._issued_at).total_seconds()
            if age > TOKEN_MAX_AGE_SECONDS:
                self._token, self._issued_at = await code_token(self._session, self._qr_url)
        return self._token


def endpoints(
    bare_url: str,
    service_url: str,
    ticket: str,
    codec: CallbackCodec,
    staff_headers: dict[str, str],
    miniapp_headers: dict[str, str],
    tokens: CodeTokens,
) -> list[Endpoint]:
    run = secrets.token_hex(4)  # each run's residents are new, also on a reused database
    help_heading = t("dialogue.help").splitlines()[0]  # the rest names the hotline

    async def fixed(method: str, url: str) -> Request:
        return Request(method, url)

    async def help_message(worker: int) -> Request:
        message = text_message(codec, f"o-bench-{run}-{worker}", "帮助")
        return Request("POST", f"{service_url}/wechat", params=message.query, data=message.body)

    def is_help(status: int, body: bytes) -> bool:
        reply = codec.open_reply(body.decode()) if status == 200 else None
        return reply is not None and reply.content.startswith(help_heading)

    async def scan(_worker: int) -> Request:
        body = {"token": await tokens.current(), "place": "bench gate"}
        return Request(
            "POST", f"{service_url}/api/checkpoint/scan", json=body, headers=staff_headers
        )

    def passes(status: int, body: bytes) -> bool:
        return status == 200 and json.loads(body).get("verdict") == "pass"

    async def miniapp_code(_worker: int) -> Request:
        return Request("GET", f"{service_url}/api/miniapp/code", headers=miniapp_headers)

    def signed_code(status: int, body: bytes) -> bool:
        return status == 200 and json.loads(body).get("token", "").startswith("HC1:")

    def bare(name: str) -> Endpoint:
        return Endpoint(name, lambda _w: fixed("GET", bare_url), _status_200)

    return [
        bare(BARE),
        Endpoint("POST /wechat (text: help)", help_message, is_help),
        Endpoint("GET /api/miniapp/code", miniapp_code, signed_code),
        Endpoint(
            "GET /c/{ticket}/qr.png",
            lambda _w: fixed("GET", f"{service_url}/c/{ticket}/qr.png"),
            lambda status, body: status == 200 and body.startswith(PNG_MAGIC),
        ),
        Endpoint("POST /api/checkpoint/scan", scan, passes),
        Endpoint("GET /healthz", lambda _w: fixed("GET", f"{service_url}/healthz"), _status_200),
        # The machine may be busier (or quieter) by now: a drift shows in this row's ratios.
        bare(f"{BARE} (again)"),
    ]


def _status_200(status: int, _body: bytes) -> bool:
    return status == 200


async def run(args: argparse.Namespace, workdir: Path, stack: ExitStack) -> dict:
    async with wechat_stub.running(processes.free_port()) as stub:
        return await _run_against(args, workdir, stack, stub.base_url)


async def _run_against(
    args: argparse.Namespace, workdir: Path, stack: ExitStack, wechat_api: str
) -> dict:
    bare_port, service_port = processes.free_port(), processes.free_port()
    bare_url = f"http://127.0.0.1:{bare_port}/"
    service_url = f"http://127.0.0.1:{service_port}"
    database_url = args.database_url or f"sqlite://{workdir / 'bench.sqlite3'}"
    env = processes.child_env(
        HC_DATA_DIR=str(workdir / "data"),
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(service_port),
        PUBLIC_BASE_URL=service_url,
        HC_RUN_SCHEDULER="0",
        WECHAT_API_BASE=wechat_api,  # jscode2session only: the scheduler is off
        MINIAPP_APPID=wechat_stub.MINIAPP_APPID,
        MINIAPP_SECRET=wechat_stub.MINIAPP_SECRET,
        # one account and one worker send thousands a second here: the per-account limits
        # would refuse them, and the bench would time the refusal instead of the work
        HC_MESSAGES_PER_MINUTE="0",
        HC_SCANS_PER_MINUTE="0",
    )

    bare = processes.start("bare", ["-m", "bench.bare_app", str(bare_port)], os.environ, workdir)
    stack.callback(bare.stop)
    service = processes.start("service", ["-m", "bot", "serve"], env, workdir)
    stack.callback(service.stop)
    await processes.wait_until_ready(bare, bare_url)
    await processes.wait_until_ready(service, f"{service_url}/healthz")

    try:
        return await _seed_and_measure(args, env, bare_url, service_url, database_url)
    except Exception:
        print(f"the service's log ends with:\n{service.log_tail()}", file=sys.stderr)
        raise


async def _seed_and_measure(
    args: argparse.Namespace,
    env: dict[str, str],
    bare_url: str,
    service_url: str,
    database_url: str,
) -> dict:
    token = staff_token(
        processes.run_command(
            ["-m", "bot", "add-staff", "--name", "bench", "--role", "checkpoint"], env
        )
    )
    settings = Settings()
    codec = CallbackCodec(settings.wechat_token, settings.wechat_appid, None)
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        ticket = await declare(
            session, service_url, codec, f"o-bench-resident-{secrets.token_hex(4)}"
        )
        tokens = CodeTokens(session, f"{service_url}/c/{ticket}/qr.png")
        staff_headers = {"Authorization": f"Bearer {token}"}
        miniapp_headers = await miniapp_session(session, service_url)
        results = []
        for endpoint in endpoints(
            bare_url, service_url, ticket, codec, staff_headers, miniapp_headers, tokens
        ):
            print(f"measuring {endpoint.name} …", file=sys.stderr, flush=True)
            results.append(
                await warm_up_and_measure(session, endpoint, args.requests, args.concurrency)
            )
    return report(args, database_url, results)


def report(args: argparse.Namespace, database_url: str, results: list[Measurement]) -> dict:
    bare = results[0]
    rows = [
        {
            "endpoint": m.name,
            "requests": m.requests,
            "errors": m.errors,
            "first_error": m.first_error,
            "seconds": round(m.seconds, 3),
            "rps": round(m.rps, 1),
            "p50_ms": round(m.percentile(50), 3),
            "p99_ms": round(m.percentile(99), 3),
            "rps_ratio": round(m.rps / bare.rps, 3),
            "p99_ratio": round(m.percentile(99) / bare.percentile(99), 2),
        }
        for m in results
    ]
    return {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "requests": args.requests,
        "concurrency": args.concurrency,
        "database": _without_password(database_url),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "aiohttp": aiohttp.__version__,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "results": rows,
    }


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def print_table(data: dict) -> None:
    print(
        f"\n{data['requests']} requests per endpoint, {data['concurrency']} concurrent, "
        f"database {data['database']}, {data['machine']['cpus']} CPUs (client shares them), "
        f"load average at the end {' '.join(map(str, data['machine']['load_average_at_end']))}\n"
    )
    head = f"{'endpoint':30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'req/s÷bare':>11} "
    print(head + f"{'p99÷bare':>9} {'errors':>6}")
    for row in data["results"]:
        print(
            f"{row['endpoint']:30} {row['rps']:8.0f} {row['p50_ms']:8.2f} {row['p99_ms']:8.2f} "
            f"{row['rps_ratio']:11.3f} {row['p99_ratio']:9.1f} {row['errors']:6}"
        )
    for row in data["results"]:
        if row["first_error"]:
            print(f"  {row['endpoint']}: first unexpected answer {row['first_error']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per endpoint (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="workers (default 16)")
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary directory")
    args = parser.parse_args()
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")
    # A SIGTERM to the bench should still stop the servers: let it unwind like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="hc-bench-") as tmp, ExitStack() as stack:
        data = asyncio.run(run(args, Path(tmp), stack))
    print_table(data)
    print(f"\nwritten to {write_result('http', data)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
