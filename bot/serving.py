"""``python -m bot serve [--workers N]``: one web process, or N sharing the port.

With N > 1 the command becomes a small supervisor: it applies the migrations once, then starts
N worker processes that each bind the same address with ``SO_REUSEPORT``, so the kernel spreads
the connections over them (an inherited socket would wake every worker for each connection and
leave most of them to whichever is least busy at that instant). Each worker is the whole app:
its own database pool, scan-log writer and credential cache, and a scheduler runner, of which
the leader lock lets exactly one run the jobs. Nothing a worker caches can show a stale colour:
codes are read from the database on every scan and refresh.

SIGTERM or SIGINT to the supervisor stops every worker gracefully (requests in progress are
answered, the last scan logs written, the leader lock released), then the supervisor exits. A
worker that dies is started again; one that dies within seconds of its start (a port in use, a
bad setting) stops them all, as the first one would fail again the same way.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
STOP_GRACE_SECONDS = 70.0  # aiohttp gives requests in progress 60 s, then the cleanup runs
EARLY_DEATH_SECONDS = 5.0
_PR_SET_PDEATHSIG = 1


def serve(settings: Settings, workers: int = 1) -> int:
    from bot.db import apply_migrations

    asyncio.run(apply_migrations(settings.database_url))
    if workers <= 1:
        run_worker(settings, shared_port=False)
        return 0
    return Supervisor(settings, workers).run()


def run_worker(settings: Settings, *, shared_port: bool) -> None:
    """The web app in this process, on uvloop, until SIGTERM or SIGINT."""
    import uvloop
    from aiohttp import web

    from bot.access_log import BufferedAccessLogger, quiet_client_errors

    quiet_client_errors()
    web.run_app(
        worker_app(settings),
        host=settings.host,
        port=settings.port,
        reuse_port=shared_port or None,
        access_log_class=BufferedAccessLogger,
        loop=uvloop.new_event_loop(),
        print=None if shared_port else print,
    )


def worker_app(settings: Settings) -> web.Application:
    """The app one serving process runs: the whole app, with the collector set for serving
    once it has started (``bot.heap``)."""
    from bot.app import create_app
    from bot.heap import settle_start_up_heap

    app = create_app(settings)
    app.on_startup.append(settle_start_up_heap)
    return app


def _worker_main(settings: Settings) -> None:
    """A worker process's entry (spawned: nothing inherited but the settings)."""
    os.setpgrp()  # a terminal's Ctrl-C reaches the supervisor alone, which stops us once
    _die_with_parent()
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    run_worker(settings, shared_port=True)


def _die_with_parent() -> None:
    """Linux: SIGTERM this worker if the supervisor dies (even by SIGKILL), so no orphan keeps
    serving on the port."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the supervisor's stop is the only way
        pass
    if os.getppid() == 1:  # the supervisor died before we got here
        os.kill(os.getpid(), signal.SIGTERM)


class Supervisor:
    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.count = workers
        self._context = multiprocessing.get_context("spawn")
        self._workers: dict[int, tuple[BaseProcess, float]] = {}
        self._stopping = False

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop_requested)
        for slot in range(self.count):
            self._start(slot)
        log.info(
            "serving on http://%s:%d with %d workers (pids %s)",
            self.settings.host,
            self.settings.port,
            self.count,
            " ".join(str(p.pid) for p, _ in self._workers.values()),
        )
        status = self._watch()
        self._stop_all()
        return status

    def _start(self, slot: int) -> None:
        process = self._context.Process(
            target=_worker_main, args=(self.settings,), name=f"healthcode-worker-{slot}"
        )
        process.start()
        self._workers[slot] = (process, time.monotonic())

    def _stop_requested(self, signum: int, _frame: object) -> None:
        self._stopping = True

    def _watch(self) -> int:
        while not self._stopping:
            sentinels = [p.sentinel for p, _ in self._workers.values()]
            multiprocessing.connection.wait(sentinels, timeout=0.5)
            for slot, (process, started) in list(self._workers.items()):
                if process.is_alive() or self._stopping:
                    continue
                if time.monotonic() - started < EARLY_DEATH_SECONDS:
                    log.error("worker %d exited (%s) right after its start", slot, process.exitcode)
                    return 1
                log.error("worker %d exited (%s): starting another", slot, process.exitcode)
                self._start(slot)
        return 0

    def _stop_all(self) -> None:
        processes = [p for p, _ in self._workers.values()]
        for process in processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.error("worker %s did not stop in time: killing it", process.pid)
                process.kill()
                process.join()
        log.info("all workers stopped")
