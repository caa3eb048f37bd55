"""``python -m bot …`` as real child processes for end-to-end tests: started with only the
settings a test gives, their log lines read as they come, stopped (or killed) on demand."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp

from tests.fakes.wechat_api import OFFICIAL_APPID, OFFICIAL_SECRET, FakeWeChat

REPO = Path(__file__).resolve().parents[2]
# Settings a developer's shell may hold; the processes under test must see only ours.
_OURS = ("HC_", "DATABASE_URL", "WECHAT_", "MINIAPP_", "PUBLIC_BASE_URL", "HOST", "PORT", "REDIS_")


class Bot:
    """``python -m bot …`` as a child process, its log lines read as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[tuple[float, str]] = []
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, command: str, env: dict[str, str], *args: str) -> Bot:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            command,
            *args,
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            self.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip()))

    def found(self, pattern: re.Pattern[str]) -> tuple[float, re.Match[str]] | None:
        for at, line in self.lines:
            if match := pattern.search(line):
                return at, match
        return None

    async def kill(self) -> float:
        self.process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        await self.process.wait()
        return killed_at

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        await self._reader

    @property
    def log(self) -> str:
        return "\n".join(line for _, line in self.lines)


def show_logs_on_failure(*bots: Bot) -> None:
    """Inside ``finally``: when the test is failing, print the processes' logs (pytest shows
    a failing test's output)."""
    if sys.exc_info()[0] is not None:
        for bot in bots:
            print(f"--- pid {bot.process.pid}, exit {bot.process.returncode} ---\n{bot.log}")


async def until(condition, timeout: float, what: str, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bot_env(tmp_path: Path, database_url: str, fake: FakeWeChat, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    return env | {
        "HC_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "WECHAT_API_BASE": fake.base_url,
        "WECHAT_APPID": OFFICIAL_APPID,
        "WECHAT_SECRET": OFFICIAL_SECRET,
        "PORT": str(free_port()),
        "HC_OUTBOX_INTERVAL_SECONDS": "0.2",
        "HC_OUTBOX_LEASE_SECONDS": "3",
        "HC_OUTBOX_CONCURRENCY": "4",
        "HC_WECHAT_RATE_PER_SECOND": "1000",
        **extra,
    }


async def healthy(url: str) -> bool:
    """Whether a server at ``url`` answers its /healthz with 200 yet."""
    try:
        async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as r:
            return r.status == 200
    except aiohttp.ClientError:
        return False


def sandbox_env(tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    """A development server's settings with no WeChat credentials at all: the WeChat sandbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OURS)}
    return env | {
        "HC_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "PORT": str(free_port()),
        "HC_OUTBOX_INTERVAL_SECONDS": "0.2",
        "HC_WECHAT_RATE_PER_SECOND": "1000",
        **extra,
    }
