"""The service under measurement: started as ``python -m bot serve`` (one process or
``--workers N``), seeded through its own interfaces, and the prepared requests of each hot path.

Shared by ``bench.http_bench`` (one process, every hot path) and ``bench.workers_bench`` (scans
with one worker and with two).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from bench import processes, wechat_stub
from bench.seed import code_token, declare, miniapp_session, say, staff_token, text_message
from bench.wrk import Prepared, WrkResult
from bot.health.colors import Color
from bot.health.tokens import Keyring, SigningKey, issue_token, jwks
from bot.settings import Settings
from bot.wechat import CallbackCodec

# wechat: accounts each standing at the declaration's document-type step; the load answers "9",
# which no document type has, so every message runs the step's parser, re-asks and saves the
# dialogue (the 30 idle minutes start again): a dialogue step, not a global command
WECHAT_ACCOUNTS = 64
WECHAT_WRONG_CHOICE = "9"
WECHAT_REASK = "【2/9】"
WECHAT_MESSAGES = 60_000  # one-time signed messages prepared per run (a MsgId is handled once)
# another region the service trusts (docs/trust.md): its codes are verified offline
TRUSTED_REGION = 110000


@dataclass
class Running:
    server: processes.Server
    url: str
    database_url: str
    env: dict[str, str]
    _rss_peak_kb: int = 0

    async def ready(self) -> None:
        await processes.wait_until_ready(self.server, f"{self.url}/healthz")

    def _pids(self) -> list[int]:
        """The serving processes: the server itself, or its workers when it has children."""
        children = Path(f"/proc/{self.server.process.pid}/task/{self.server.process.pid}/children")
        kids = [int(p) for p in children.read_text().split()] if children.exists() else []
        return kids or [self.server.process.pid]

    def cpu_seconds(self) -> float:
        """CPU time the serving processes have used so far (user and system)."""
        return sum(self.cpu_by_process().values())

    def cpu_by_process(self) -> dict[int, float]:
        """The same, per serving process (each worker): shows how the kernel spread the load."""
        return {pid: cpu_seconds(pid) for pid in self._pids()}

    def rss_mb(self) -> float:
        """Resident memory now, of the largest serving process (each worker is a process)."""
        sizes = [_status_kb(pid, "VmRSS") for pid in self._pids()]
        peaks = [_status_kb(pid, "VmHWM") for pid in self._pids()]
        self._rss_peak_kb = max([self._rss_peak_kb, *peaks])
        return round(max(sizes) / 1024, 1)

    def peak_rss_mb(self) -> float:
        self.rss_mb()
        return round(self._rss_peak_kb / 1024, 1)


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one process (``/proc/PID/stat`` fields 14 and 15): a
    cost per request that a busy machine disturbs far less than requests per second."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


@dataclass(frozen=True)
class Bare:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)


async def start_bare(stack: ExitStack, workdir: Path) -> Bare:
    """The bare app, answering."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = processes.free_port()
    bare = processes.start("bare", ["-m", "bench.bare_app", str(port)], os.environ, workdir)
    stack.callback(bare.stop)
    url = f"http://127.0.0.1:{port}"
    await processes.wait_until_ready(bare, url + "/")
    return Bare(url, bare.process.pid)


def start(
    stack: ExitStack,
    workdir: Path,
    wechat_api: str,
    database_url: str | None,
    *,
    workers: int,
    extra_env: dict[str, str] | None = None,
) -> Running:
    workdir.mkdir(parents=True, exist_ok=True)
    port = processes.free_port()
    url = f"http://127.0.0.1:{port}"
    database_url = database_url or f"sqlite://{workdir / 'bench.sqlite3'}"
    env = processes.child_env(
        HC_DATA_DIR=str(workdir / "data"),
        DATABASE_URL=database_url,
        HOST="127.0.0.1",
        PORT=str(port),
        PUBLIC_BASE_URL=url,
        HC_RUN_SCHEDULER="0",
        WECHAT_API_BASE=wechat_api,  # jscode2session only: the scheduler is off
        MINIAPP_APPID=wechat_stub.MINIAPP_APPID,
        MINIAPP_SECRET=wechat_stub.MINIAPP_SECRET,
        # one account and one worker send thousands a second here: the per-account limits
        # would refuse them, and the bench would time the refusal instead of the work
        HC_MESSAGES_PER_MINUTE="0",
        HC_SCANS_PER_MINUTE="0",
        **(extra_env or {}),
    )
    command = ["-m", "bot", "serve"] + (["--workers", str(workers)] if workers > 1 else [])
    server = processes.start(f"service-{workers}", command, env, workdir)
    stack.callback(server.stop)
    return Running(server, url, database_url, env)


@dataclass
class Seeded:
    codec: CallbackCodec
    ticket: str
    staff_headers: dict[str, str]
    miniapp_headers: dict[str, str]
    wechat_openids: list[str]
    # the signing key of a region the service trusts (seeded with `healthcode trust add`)
    trusted_key: SigningKey


async def seed(running: Running) -> Seeded:
    token = staff_token(
        processes.run_command(
            ["-m", "bot", "add-staff", "--name", "bench", "--role", "checkpoint"], running.env
        )
    )
    codec = CallbackCodec(Settings().wechat_token, Settings().wechat_appid, None)
    run = secrets.token_hex(4)  # each run's residents are new, also on a reused database
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        ticket = await declare(session, running.url, codec, f"o-bench-resident-{run}")
        miniapp_headers = await miniapp_session(session, running.url)
        openids = [f"o-bench-{run}-{n}" for n in range(WECHAT_ACCOUNTS)]
        for openid in openids:
            await say(session, running.url, codec, openid, "申领")
            await say(session, running.url, codec, openid, "张三")
        reask = await say(session, running.url, codec, openids[0], WECHAT_WRONG_CHOICE)
        if WECHAT_REASK not in reask:
            raise RuntimeError(f"the document-type step did not re-ask: {reask!r}")
    trusted_key = _trust_another_region(running)
    staff = {"Authorization": f"Bearer {token}"}
    return Seeded(codec, ticket, staff, miniapp_headers, openids, trusted_key)


def _trust_another_region(running: Running) -> SigningKey:
    key = SigningKey.generate()
    path = Path(running.env["HC_DATA_DIR"]) / f"trusted-{TRUSTED_REGION}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(jwks(Keyring(key))))
    processes.run_command(
        ["-m", "bot", "trust", "add", str(TRUSTED_REGION), str(path), "--name", "北京市"],
        running.env,
    )
    return key


@dataclass(frozen=True)
class Load:
    requests: Callable[[], Awaitable[list[Prepared]]]  # right before each run: fresh tokens
    expect: str


def bare_load(bare_url: str) -> Load:
    return Load(_get(bare_url + "/"), '"ok"')


def _get(
    url: str, headers: dict[str, str] | None = None
) -> Callable[[], Awaitable[list[Prepared]]]:
    async def prepared() -> list[Prepared]:
        return [Prepared.of("GET", url, headers=headers)]

    return prepared


def loads(url: str, seeded: Seeded) -> list[tuple[str, Load]]:
    async def wechat() -> list[Prepared]:
        requests = []
        for n in range(WECHAT_MESSAGES):
            openid = seeded.wechat_openids[n % len(seeded.wechat_openids)]
            message = text_message(seeded.codec, openid, WECHAT_WRONG_CHOICE)
            requests.append(
                Prepared.of("POST", f"{url}/wechat", params=message.query, body=message.body)
            )
        return requests

    async def scan() -> list[Prepared]:
        async with aiohttp.ClientSession() as session:
            token, _ = await code_token(session, f"{url}/c/{seeded.ticket}/qr.png")
        body = f'{{"token": "{token}", "place": "bench gate"}}'.encode()
        headers = {**seeded.staff_headers, "Content-Type": "application/json"}
        return [Prepared.of("POST", f"{url}/api/checkpoint/scan", headers=headers, body=body)]

    async def trusted_scan() -> list[Prepared]:
        token = issue_token(
            Keyring(seeded.trusted_key),
            code_id=secrets.token_bytes(16),
            color=Color.GREEN,
            region=TRUSTED_REGION,
            rules_version="r1",
            now=datetime.now(UTC),
            lifetime=timedelta(minutes=10),  # outlives the warm-up and the run
        )
        body = f'{{"token": "{token}", "place": "bench gate"}}'.encode()
        headers = {**seeded.staff_headers, "Content-Type": "application/json"}
        return [Prepared.of("POST", f"{url}/api/checkpoint/scan", headers=headers, body=body)]

    return [
        ("POST /wechat (dialogue step)", Load(wechat, WECHAT_REASK)),
        (
            "GET /api/miniapp/code",
            Load(_get(f"{url}/api/miniapp/code", seeded.miniapp_headers), "HC1:"),
        ),
        (
            "GET /c/{ticket}/code.json",
            Load(_get(f"{url}/c/{seeded.ticket}/code.json"), '"token":"HC1:'),
        ),
        ("GET /c/{ticket}/qr.png", Load(_get(f"{url}/c/{seeded.ticket}/qr.png"), "PNG")),
        ("POST /api/checkpoint/scan", Load(scan, '"pass"')),
        ("POST /api/checkpoint/scan (a trusted region's code)", Load(trusted_scan, '"signed"')),
        ("GET /healthz", Load(_get(f"{url}/healthz"), '"ok"')),
    ]


def row(name: str, result: WrkResult, bare: dict | None, cpu: float | None = None) -> dict:
    """One measured load; ``cpu``: the server's CPU seconds during it."""
    bare_rps = bare["rps"] if bare else result.rps
    bare_p99 = bare["p99_ms"] if bare else result.p99_ms
    cpu_us = round(cpu / result.requests * 1e6, 1) if cpu and result.requests else None
    bare_cpu = bare.get("cpu_us_per_request") if bare else cpu_us
    return {
        "endpoint": name,
        "requests": result.requests,
        "errors": result.errors,
        "first_error": result.first_unexpected or None,
        "seconds": round(result.seconds, 2),
        "rps": round(result.rps, 1),
        "p50_ms": round(result.p50_ms, 2),
        "p99_ms": round(result.p99_ms, 2),
        "bare_rps": round(bare_rps, 1),
        "rps_ratio": round(result.rps / bare_rps, 3) if bare_rps else None,
        "p99_ratio": round(result.p99_ms / bare_p99, 2) if bare_p99 else None,
        "cpu_us_per_request": cpu_us,
        # the server's CPU per request against the bare app's: far steadier on a busy machine
        "cpu_ratio": round(bare_cpu / cpu_us, 3) if cpu_us and bare_cpu else None,
        "at": time.strftime("%H:%M:%S"),
    }


def without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
