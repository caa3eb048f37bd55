"""Access logs that keep no personal data: the route's pattern, never the query string (WeChat
puts the openid there) and never the code-page ticket (it shows someone's code)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger


class PrivacyAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms", request.method, _route(request), response.status, time * 1000
        )


def _route(request: web.BaseRequest) -> str:
    match_info = getattr(request, "match_info", None)
    route = getattr(match_info, "route", None)
    resource = getattr(route, "resource", None)
    return resource.canonical if resource is not None else "(no route)"
