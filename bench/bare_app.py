"""The yardstick: a bare aiohttp app with one trivial JSON handler.

Run as ``python -m bench.bare_app PORT``; it listens on 127.0.0.1 only. No logging is configured,
as in any aiohttp app that does not ask for an access log.
"""

from __future__ import annotations

import sys

from aiohttp import web


async def hello(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app() -> web.Application:
    app = web.Application()
    app.add_routes([web.get("/", hello)])
    return app


if __name__ == "__main__":
    web.run_app(create_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None)
