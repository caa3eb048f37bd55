"""The console in a real browser (headless Chromium): the style passes its CSP, the session
cookie is out of the page's reach, and both forms work end to end."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bot.services.access.staff import add_staff
from bot.services.runtime import Runtime
from models.appeal import Appeal
from models.code import HealthCode
from models.district import District
from tests.support.chat import appeal, orange_resident
from tests.support.clock import FakeClock

CHROMIUM = Path("/usr/bin/chromium")
try:
    from playwright.async_api import async_playwright
except ImportError:  # pragma: no cover - depends on the machine
    async_playwright = None

pytestmark = [
    pytest.mark.skipif(async_playwright is None, reason="the playwright package is not installed"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (Debian: chromium)"
    ),
]


async def test_an_official_works_through_the_console_in_chromium(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    _staff, token = await add_staff("官员乙", "official")
    user = await orange_resident(client, runtime)
    await appeal(user)
    appeal_id = (await Appeal.get()).id
    until = (clock.moment + timedelta(days=2)).astimezone(runtime.ruleset.tz).date().isoformat()
    problems: list[str] = []

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = await browser.new_context(locale="zh-CN")
            page = await context.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))

            await page.goto(str(client.make_url("/console")))
            assert page.url.endswith("/console/login")
            await page.fill("#token", token)
            await page.click("button[type=submit]")
            await page.wait_for_url("**/console")
            assert await page.inner_text("h1") == "健康码管理台"
            # the inline style ran (its hash is in the CSP): the page has its background
            background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(238, 240, 243)"
            assert await page.locator("svg.chart rect").count() >= 4  # legend and one bar
            assert await page.locator("#districts tbody tr").count() == 16
            cookies = {c["name"]: c for c in await context.cookies()}
            assert (
                cookies["hc_console"]["httpOnly"] and cookies["hc_console"]["sameSite"] == "Strict"
            )
            assert "hc_console" not in await page.evaluate("document.cookie")

            card = page.locator(f"#appeal-{appeal_id}")
            await card.locator("textarea").fill("经社区核实，您已解除隔离。")
            await card.locator("select[name=color]").select_option("green")
            await card.locator("input[name=until]").fill(until)
            await card.locator("button[value=accept]").click()
            await page.wait_for_url("**/console?done=accept*")
            assert f"申诉 #{appeal_id} 已受理" in await page.inner_text(".flash.ok")

            row = page.locator("#districts tbody tr", has_text="和平区")
            await row.locator("select[name=tier]").select_option("high")
            await row.locator("button").click()
            await page.wait_for_url("**/console?done=tier*")
            assert "和平区 已调整为高风险" in await page.inner_text(".flash.ok")
        finally:
            await browser.close()

    assert problems == []
    assert (await Appeal.get()).status == "resolved"
    assert (await HealthCode.get()).color == "green"
    assert (await District.get(adcode=120101)).tier == "high"
