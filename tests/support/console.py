"""The officials' console in a browser's place: the sign-in form with its CSRF token, pages,
forms."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def sign_in(client: TestClient, token: str, lang: str = "zh"):
    page = await client.get("/console/login" + ("?lang=en" if lang == "en" else ""))
    csrf = CSRF.search(await page.text())[1]
    return await client.post(
        "/console/login" + ("?lang=en" if lang == "en" else ""),
        data={"csrf": csrf, "token": token},
        allow_redirects=False,
    )


async def dashboard(client: TestClient, path: str = "/console") -> tuple[str, str]:
    response = await client.get(path)
    assert response.status == 200
    html = await response.text()
    return html, CSRF.search(html)[1]


async def post_form(client: TestClient, path: str, data: dict, **kw):
    return await client.post(path, data=data, allow_redirects=False, **kw)
