"""Access logs that keep no personal data: the route's pattern, never the query string (WeChat
puts the openid there) and never the code-page ticket (it shows someone's code)."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError


class PrivacyAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms", request.method, _route(request), response.status, time * 1000
        )


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
