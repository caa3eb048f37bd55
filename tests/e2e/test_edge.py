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
from handlers import admin_stats, code_page, console
from handlers.errors import STATUSES, WeChatUnavailable, status_of
from handlers.json_input import BodyTooLarge
from tests.support.console import sign_in
from tests.support.scans import ticket_after
from tests.support.staff import bearer
from tests.support.wechat_user import WeChatUser


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


def _broken(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("a defect of ours, not the caller's")


async def test_an_unexpected_error_is_answered_in_each_prefixs_own_way(
    client: TestClient,
    resident: WeChatUser,
    official: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A defect behind a route (here: the use case each route calls fails) is logged with its
    stack and answered in the sub-app's own shape and the person's language: JSON on /api and
    for the code page's refresh, a page on /c and /console, a short text for the image. Never
    aiohttp's bare 500, never the trace."""
    ticket = await ticket_after(resident)
    await sign_in(client, official)
    monkeypatch.setattr(code_page, "card_for_ticket", _broken)
    monkeypatch.setattr(code_page, "qr_for_ticket", _broken)
    monkeypatch.setattr(admin_stats, "stats", _broken)
    monkeypatch.setattr(console, "stats", _broken)

    api = await client.get("/api/admin/stats", headers=bearer(official))
    assert api.status == 500
    assert (await api.json())["error"]["code"] == "internal"

    page = await client.get(f"/c/{ticket}?lang=en")
    assert page.status == 500
    assert "reload this page" in await page.text()
    assert page.headers["Cache-Control"] == "no-store"
    refresh = await client.get(f"/c/{ticket}/code.json")
    assert refresh.status == 500
    assert (await refresh.json())["error"]["code"] == "page.unavailable"
    image = await client.get(f"/c/{ticket}/qr.png")
    assert image.status == 500
    assert "稍后刷新" in await image.text()

    dashboard = await client.get("/console")
    assert dashboard.status == 500
    html = await dashboard.text()
    assert "出现意外错误" in html and 'href="/console"' in html

    for answer in (api, page, refresh, image, dashboard):
        assert "RuntimeError" not in await answer.text()
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert len(logged) == 5
