"""The load generator: wrk (Debian's ``wrk`` package) in a process of its own, one endpoint at a
time, with prepared requests and a check of every answer (``bench/wrk_load.lua``).

wrk is a C program on one thread here (``-t1``): it costs the machine far less per request than
any Python client, so more of the two cores are left to the server being measured, and the bare
app and the service are loaded the same way.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

SCRIPT = Path(__file__).resolve().parent / "wrk_load.lua"


@dataclass(frozen=True)
class Prepared:
    """One request as wrk sends it: the path with its query, headers, the body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""

    @classmethod
    def of(
        cls,
        method: str,
        url: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Prepared:
        parts = urlsplit(url)
        query = urlencode(params) if params else parts.query
        path = parts.path + (f"?{query}" if query else "")
        return cls(method, path or "/", dict(headers or {}), body)

    def line(self) -> str:
        headers = "\r\n".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.method}\t{self.path}\t{headers.encode().hex()}\t{self.body.hex()}"


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    unexpected: int  # answers that were not 200 with the expected body
    first_unexpected: str
    socket_errors: int
    timeouts: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.unexpected + self.socket_errors + self.timeouts


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    return found


async def run_wrk(
    base_url: str,
    requests: Iterable[Prepared],
    *,
    seconds: float,
    connections: int,
    expect: str | None = None,
    threads: int = 1,
) -> WrkResult:
    """Load ``base_url`` with ``requests`` (sent in turn, from the start again when exhausted)."""
    with tempfile.TemporaryDirectory(prefix="hc-wrk-") as tmp:
        prepared = Path(tmp) / "requests.tsv"
        prepared.write_text("\n".join(r.line() for r in requests) + "\n")
        result = Path(tmp) / "result.json"
        env = {"HC_WRK_REQUESTS": str(prepared), "HC_WRK_RESULT": str(result)}
        if expect:
            env["HC_WRK_EXPECT"] = expect
        process = await asyncio.create_subprocess_exec(
            wrk_binary(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            base_url,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        if process.returncode != 0 or not result.exists():
            raise RuntimeError(f"wrk failed ({process.returncode}): {output.decode()[-2000:]}")
        data = json.loads(result.read_text())
    latency = data["latency_us"]
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        unexpected=data["unexpected"],
        first_unexpected=data["first_unexpected"],
        socket_errors=data["socket_errors"],
        timeouts=data["timeouts"],
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        max_ms=latency["max"] / 1000,
    )
