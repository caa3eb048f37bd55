"""The HTTP edge (bot/edge.py): one sub-app per prefix with its one middleware, statuses decided
by the refusal's class, callers declared per route, the language chosen once per request."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.edge import mount
from bot.health.errors import InvalidInput
from bot.services.checkpoint.lookups import MalformedDocument
from bot.services.errors import Forbidden, Malformed, NotFound, ServiceError, TooFast, Unauthorised
from handlers.errors import STATUSES, WeChatUnavailable, status_of
from handlers.json_input import BodyTooLarge


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        (InvalidInput("x"), 422),
        (ServiceError("x"), 409),
        (Malformed("x"), 400),
        (MalformedDocument("x"), 400),  # a subclass answers like its nearest known ancestor
        (Unauthorised("x"), 401),
        (Forbidden("x"), 403),
        (NotFound("x"), 404),
        (BodyTooLarge("x"), 413),
        (TooFast("x", 3), 429),
        (WeChatUnavailable("x"), 503),
    ],
)
def test_the_edge_decides_each_refusals_status(refusal: InvalidInput, status: int) -> None:
    assert status_of(refusal) == status
    assert all(400 <= s < 600 for s in STATUSES.values())


def test_a_route_outside_its_prefix_is_refused_at_start() -> None:
    async def handler(_request: web.Request) -> web.Response:
        return web.Response()

    with pytest.raises(ValueError, match="not under /api"):
        mount("/api", [web.get("/apix/thing", handler)])
    assert [r.path for r in mount("/wechat", [web.get("/wechat", handler)])] == [""]


async def test_every_401_says_how_to_authenticate(client: TestClient) -> None:
    """A staff route's 401 names its realm as the mini-program's always did (RFC 9110 asks
    every 401 for a WWW-Authenticate header; the staff routes gave none)."""
    scan = await client.post("/api/checkpoint/scan", json={"token": "HC1:x"})
    assert scan.status == 401
    assert scan.headers["WWW-Authenticate"].startswith('Bearer realm="checkpoint"')
    stats = await client.get("/api/admin/stats")
    assert stats.status == 401
    assert stats.headers["WWW-Authenticate"].startswith('Bearer realm="official"')
    me = await client.get("/api/miniapp/me")
    assert me.headers["WWW-Authenticate"].startswith('Bearer realm="miniapp"')


@pytest.mark.parametrize(
    ("method", "path", "realm"),
    [
        ("POST", "/api/checkpoint/scan", "checkpoint"),
        ("GET", "/api/admin/stats", "official"),
        ("GET", "/api/miniapp/me", "miniapp"),
    ],
)
async def test_a_401_names_an_error_only_when_credentials_were_sent(
    client: TestClient, method: str, path: str, realm: str
) -> None:
    """RFC 6750 §3.1: a request with no credentials gets a challenge without an error code; a
    token that is refused gets ``invalid_token``."""
    body = {"token": "HC1:x"} if method == "POST" else None
    bare = await client.request(method, path, json=body)
    assert bare.status == 401
    assert bare.headers["WWW-Authenticate"] == f'Bearer realm="{realm}"'
    refused = await client.request(
        method, path, json=body, headers={"Authorization": "Bearer hc_ch_not-a-token"}
    )
    assert refused.status == 401
    assert refused.headers["WWW-Authenticate"] == f'Bearer realm="{realm}", error="invalid_token"'


async def test_a_staff_token_of_another_role_is_forbidden(
    client: TestClient, checkpoint: str
) -> None:
    response = await client.get(
        "/api/admin/stats", headers={"Authorization": f"Bearer {checkpoint}"}
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "auth.wrong_role"


async def test_the_language_comes_from_the_query_then_the_browser(client: TestClient) -> None:
    chinese = await (await client.get("/api/admin/stats")).json()
    english = await (await client.get("/api/admin/stats?lang=en")).json()
    browser = await (
        await client.get("/api/admin/stats", headers={"Accept-Language": "en-GB"})
    ).json()
    query_wins = await (
        await client.get("/api/admin/stats?lang=zh", headers={"Accept-Language": "en"})
    ).json()
    assert chinese["error"]["message"] != english["error"]["message"]
    assert browser["error"]["message"] == english["error"]["message"]
    assert query_wins["error"]["message"] == chinese["error"]["message"]


async def test_each_prefix_answers_an_unknown_path_its_own_way(client: TestClient) -> None:
    api = await client.get("/api/nothing-here")
    assert api.status == 404
    assert (await api.json())["error"]["code"] == "not_found"
    page = await client.get("/c/x/nothing-here")
    assert page.status == 404
    root = await client.get("/nothing-here")
    assert root.status == 404


async def test_the_root_routes_still_answer(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/.well-known/health-code-keys")).status == 200
