"""Access logs that keep no personal data: the route's pattern, never the query string (WeChat
puts the openid there) and never the code-page ticket (it shows someone's code).

The server writes them cheaply (``BufferedAccessLogger``): a line per request is formatted here
with a time stamp computed once a second, gathered, and written to standard error in one
system call every ``FLUSH_SECONDS`` (or every ``MAX_LINES`` lines), in the same shape as the
other log lines. ``logging.Logger.info`` per request cost about 7.5 µs of CPU on this machine
(a record, the formatter's clock, a lock, a write and a flush each); this costs about 1 µs
(bench/README.md). A line may reach the log up to ``FLUSH_SECONDS`` after the request, and the
rest is written when the process exits.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import sys
import time as clock

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError

FLUSH_SECONDS = 0.5
MAX_LINES = 256
PIPE_BUF = 4096  # a write up to this size is never interleaved with another process's


class PrivacyAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(_line(request, response, time))


class BufferedAccessLogger(PrivacyAccessLogger):
    """The same line, written in batches straight to standard error (the server's own log
    stream, as ``python -m bot serve`` configures it)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            _LINES.add(self.logger.name, _line(request, response, time))


def _line(request: web.BaseRequest, response: web.StreamResponse, time: float) -> str:
    return f"{request.method} {_route(request)} {response.status} {time * 1000:.1f}ms"


def _route(request: web.BaseRequest) -> str:
    try:
        match_info = request.match_info  # type: ignore[attr-defined]
    except (AttributeError, AssertionError):
        # refused before routing (a request line over 8 KiB, a malformed header): aiohttp's
        # web.Request asserts when asked for a match it never made
        return "(not routed)"
    route = getattr(match_info, "route", None)
    resource = getattr(route, "resource", None)
    return resource.canonical if resource is not None else "(no route)"


class ClientErrorsWithoutTraceback(logging.Filter):
    """aiohttp logs a request it could not even parse (an over-long line, a bad header) as an
    error with a traceback: the client's mistake, answered 400, would page an operator. Such a
    record becomes one warning line; the server's own errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError) and 400 <= (exc.code or 0) < 500:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = f"{record.msg}: {type(exc).__name__} (answered {exc.code})"
            record.exc_info = record.exc_text = None
        return True


def quiet_client_errors() -> None:
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ClientErrorsWithoutTraceback) for f in server.filters):
        server.addFilter(ClientErrorsWithoutTraceback())


class LineBuffer:
    """Lines waiting for their write, each stamped like the log format's ``%(asctime)s``."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._second = -1
        self._stamp = ""
        self._flush_at: asyncio.TimerHandle | None = None

    def add(self, logger: str, message: str) -> None:
        now = clock.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = clock.strftime("%Y-%m-%d %H:%M:%S", clock.localtime(second))
        millis = int((now - second) * 1000)
        self._lines.append(f"{self._stamp},{millis:03d} INFO {logger} {message}\n")
        if len(self._lines) >= MAX_LINES:
            self.flush()
        elif self._flush_at is None:
            self._flush_at = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        lines, self._lines = self._lines, []
        if not lines:
            return
        stream = sys.stderr
        try:
            stream.flush()  # what logging wrote before stays before
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):  # not a file (a test's capture)
            stream.write("".join(lines))
            return
        for chunk in _chunks(lines):
            try:
                os.write(fd, chunk)
            except OSError:  # a closed or full log stream must not fail a request
                return


def _chunks(lines: list[str]) -> list[bytes]:
    chunks: list[bytes] = []
    current: list[bytes] = []
    size = 0
    for line in lines:
        raw = line.encode()
        if current and size + len(raw) > PIPE_BUF:
            chunks.append(b"".join(current))
            current, size = [], 0
        current.append(raw)
        size += len(raw)
    if current:
        chunks.append(b"".join(current))
    return chunks


_LINES = LineBuffer()
atexit.register(_LINES.flush)
