"""The HTTP edge: which sub-app answers each prefix, and the one middleware each has
(docs/architecture.md, "The HTTP edge").

- ``/api``: the JSON API (mini-program, checkpoint, officials, the OpenAPI document);
  ``handlers.errors.json_errors``, every refusal as ``{"error": …}``.
- ``/console``: the officials' pages; ``handlers.console.console_errors``, a refusal shown on
  the dashboard or the sign-in form, an unexpected error on a page of its own.
- ``/c`` and ``/p``: the code page and the paper code's sheet; ``handlers.page_errors``, a dead
  link (404) or an unexpected error (500) answered the way its route answers.
- ``/wechat``: WeChat's callbacks; ``handlers.wechat.wechat_errors``, a refused callback (a
  forged or stale signature, a replay, not WeChat's XML, another sender's openid) answered with
  its plain-text 403 / 400 / 503 (WeChat reads only the status).

The first three: each logs an unexpected error with its stack and answers it in its own shape, in
the person's language, never with a trace.

Everything else (``/healthz``, ``/metrics``, the key set, the sandbox) is the root app's and
runs no middleware at all. Each module still names its routes by their full path (what a
reader greps for); ``mount`` takes the prefix off, parses the path parameters by type
(``handlers.path_params``) and refuses a route outside its prefix at start-up.

A sub-app's handlers read what the application holds with ``request.app[KEY]`` (``request.app``
is the sub-app): ``share`` gives every sub-app the root's values, the ones set at start-up
(the WeChat gateway) included, because a lookup through ``request.config_dict`` costs 2 µs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from handlers import (
    admin_appeals,
    admin_broadcasts,
    admin_feeds,
    admin_stats,
    admin_tiers,
    checkpoint,
    code_page,
    console,
    miniapp,
    openapi,
    ops,
    paper,
    published_keys,
    wechat,
)
from handlers.errors import json_errors
from handlers.page_errors import page_errors
from handlers.path_params import typed_paths

API = (
    miniapp,
    checkpoint,
    admin_tiers,
    admin_feeds,
    admin_appeals,
    admin_broadcasts,
    admin_stats,
    openapi,
)
SUBAPPS: tuple[tuple[str, Any, tuple[Any, ...]], ...] = (
    ("/api", json_errors, API),
    ("/console", console.console_errors, (console,)),
    ("/c", page_errors, (code_page,)),
    ("/p", page_errors, (paper,)),
    ("/wechat", wechat.wechat_errors, (wechat,)),
)
ROOT = (ops, published_keys)
_MOUNTED = web.AppKey("edge_subapps", list)


def mount_edge(app: web.Application) -> None:
    """Add the root's own routes and every sub-app to ``app``."""
    for module in ROOT:
        app.add_routes(typed_paths(module.routes()))
    subapps = []
    for prefix, middleware, modules in SUBAPPS:
        subapp = web.Application(middlewares=[middleware] if middleware else [])
        subapp.add_routes(mount(prefix, (r for m in modules for r in m.routes())))
        app.add_subapp(prefix, subapp)
        subapps.append(subapp)
    app[_MOUNTED] = subapps

    async def share_with_subapps(_app: web.Application) -> None:
        share(app)

    app.on_startup.append(share_with_subapps)  # after the cleanup contexts' start (the gateway)


def share(app: web.Application) -> None:
    """Every value the root holds, in each sub-app too."""
    for subapp in app.get(_MOUNTED, ()):
        for key, value in app.items():
            if key is not _MOUNTED:
                subapp[key] = value


def mount(prefix: str, routes: Iterable[web.RouteDef]) -> list[web.RouteDef]:
    """The routes, relative to ``prefix`` (``/wechat`` itself becomes ``""``), typed."""
    relative = []
    for route in routes:
        if route.path != prefix and not route.path.startswith(prefix + "/"):
            raise ValueError(f"{route.method} {route.path} is not under {prefix}")
        rest = route.path.removeprefix(prefix)
        relative.append(web.RouteDef(route.method, rest, route.handler, route.kwargs))
    return typed_paths(relative)
