"""The code page in a real browser (docs/architecture.md): headless Chromium (Debian's `chromium`,
driven by playwright through `executable_path`) on a phone-sized screen, against the real server
on a loopback port with a short token lifetime and the real clock.

The page must fit the phone, its QR (read from a screenshot, as a scanner would) must carry a
token the checkpoint accepts, its clock must run, and it must swap in a fresh token before the
shown one expires. Where Chromium or playwright cannot be installed the test skips, saying so.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import RUNTIME
from bot.services.access.staff import add_staff
from bot.services.runtime import utc_now
from bot.settings import Settings
from bot.texts import t
from tests.conftest import start_app
from tests.fakes.wechat_api import FakeWeChat
from tests.support.miniapp import MiniappUser, declaration
from tests.support.qr import qr_codes

try:
    from playwright.async_api import Browser, Page, async_playwright
except ImportError:  # the test extra (requirements-dev.lock) has it; say so rather than fail
    async_playwright = None

TOKEN_LIFETIME = timedelta(seconds=15)
PHONE = {"width": 390, "height": 844}  # CSS pixels of a common phone
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A function, not an expression: the page's Content-Security-Policy forbids eval.
CHANGED = """([id, attribute, before]) => {
  const el = document.getElementById(id);
  return (attribute ? el.getAttribute(attribute) : el.textContent) !== before;
}"""
INSTALL_HINT = "apt-get install -y chromium (README: 'The code page in a browser')"


def chromium_path() -> str:
    """Debian's Chromium, or a skip that says what is missing and how to install it."""
    if async_playwright is None:
        pytest.skip("playwright is not installed: ./scripts/install --dev")
    path = os.environ.get("HC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        pytest.skip(f"Chromium is not installed here ({path}): {INSTALL_HINT}")
    return path


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def live(aiohttp_client, settings: Settings) -> TestClient:
    """The app on a loopback port, on the real clock, with a short token lifetime."""
    short = dataclasses.replace(settings, token_lifetime=TOKEN_LIFETIME)
    return await start_app(aiohttp_client, short, utc_now)


async def phone_page(browser: Browser, url: str) -> Page:
    context = await browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = await context.new_page()
    response = await page.goto(url)
    assert response is not None and response.status == 200
    return page


async def qr_in_screenshot(page: Page) -> str:
    shot = await page.screenshot()
    found = qr_codes(shot)
    assert len(found) == 1, f"{len(found)} codes in the screenshot"
    return found[0].text


async def scan(client: TestClient, staff_token: str, token: str) -> dict[str, Any]:
    response = await client.post(
        "/api/checkpoint/scan",
        json={"token": token},
        headers={"Authorization": f"Bearer {staff_token}"},
    )
    assert response.status == 200
    return await response.json()


async def text_of(page: Page, element_id: str) -> str:
    return (await page.text_content(f"#{element_id}")) or ""


async def test_the_code_page_in_headless_chromium(
    browser: Browser, live: TestClient, fake_wechat: FakeWeChat
) -> None:
    resident = MiniappUser(live, fake_wechat, "mini-browser")
    await resident.login()
    code = await resident.declare(declaration())
    _staff, staff_token = await add_staff("检查员", "checkpoint")
    path = code["page_url"].removeprefix(live.app[RUNTIME].settings.public_base_url)
    page = await phone_page(browser, str(live.make_url(path)))

    # it fits the phone: no sideways scrolling, the whole QR on the first screen
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = await page.locator("#qr").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] + box["height"] <= PHONE["height"] and box["width"] >= 150
    assert t("page.color_green", "zh") in await text_of(page, "color-text")
    assert await text_of(page, "name") == "张*"

    # the QR a scanner reads off the screen is a token the checkpoint accepts
    first = await qr_in_screenshot(page)
    scanned = await scan(live, staff_token, first)
    assert scanned["verdict"] == "pass" and scanned["name"] == "张*"
    expires = datetime.fromisoformat(scanned["expires_at"])
    assert expires - datetime.fromisoformat(scanned["issued_at"]) == TOKEN_LIFETIME

    # the clock runs
    before = await text_of(page, "clock")
    await page.wait_for_function(CHANGED, arg=["clock", None, before], timeout=3000)

    # before the shown token expires, the page has fetched and shows a fresh one
    issued = await page.get_attribute("#issued-at", "datetime")
    await page.wait_for_function(
        CHANGED,
        arg=["issued-at", "datetime", issued],
        timeout=TOKEN_LIFETIME.total_seconds() * 1000,
    )
    swapped_at = datetime.now(UTC)
    assert swapped_at < expires, f"swapped at {swapped_at}, the old token expired at {expires}"
    assert not await page.evaluate("document.body.classList.contains('expired')")
    second = await qr_in_screenshot(page)
    assert second != first
    rescanned = await scan(live, staff_token, second)
    assert rescanned["verdict"] == "pass"
    assert datetime.fromisoformat(rescanned["expires_at"]) > expires
