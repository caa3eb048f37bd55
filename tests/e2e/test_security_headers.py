"""One security-header policy on every answer: the code page, its error page, its JSON and PNG,
the console, the JSON API, and the app's own 404s all say ``nosniff``, refuse to be framed
(``X-Frame-Options`` and CSP ``frame-ancestors``), and carry a Content-Security-Policy; a page
with its own policy (the code page's hashes) keeps it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.fakes.wechat_api import FakeWeChat
from tests.support.miniapp import MiniappUser, declaration


def assert_policy(response: ClientResponse) -> str:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff", response.url
    assert headers["X-Frame-Options"] == "DENY", response.url
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, (response.url, csp)
    return csp


@pytest.fixture
async def ticket(client: TestClient, fake_wechat: FakeWeChat) -> str:
    user = MiniappUser(client, fake_wechat, "o-headers")
    await user.login()
    code = await user.declare(declaration())
    return urlsplit(code["page_url"]).path.split("/")[2]


async def test_the_code_page_keeps_its_own_policy_and_cannot_be_framed(
    client: TestClient, ticket: str
) -> None:
    page = await client.get(f"/c/{ticket}")

    csp = assert_policy(page)
    assert page.status == 200 and page.content_type == "text/html"
    # the page's script and style stay allowed by their hashes, nothing else
    assert "script-src 'sha256-" in csp and "style-src 'sha256-" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.parametrize(
    "path",
    [
        "/c/{ticket}/code.json",
        "/c/{ticket}/qr.png",
        "/c/not-a-ticket",
        "/c/not-a-ticket/code.json",
        "/c/not-a-ticket/qr.png",
        "/console/login",
        "/console",
        "/api/miniapp/me",
        "/api/openapi.json",
        "/healthz",
        "/no/such/page",
        "/.well-known/health-code-keys",
    ],
)
async def test_every_answer_carries_the_policy(client: TestClient, ticket: str, path: str) -> None:
    response = await client.get(path.replace("{ticket}", ticket), allow_redirects=False)

    assert_policy(response)


async def test_the_json_and_png_of_the_code_page_allow_nothing(
    client: TestClient, ticket: str
) -> None:
    for suffix in ("code.json", "qr.png"):
        response = await client.get(f"/c/{ticket}/{suffix}")
        assert response.status == 200
        assert "script-src" not in assert_policy(response)
