"""The officials' console through HTTP: sign-in, the session cookie, CSRF, the dashboard and its
two actions (a district's tier, an appeal's answer)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import CODEC
from bot.services.access.credentials import CREDENTIAL_TTL
from bot.services.access.staff import add_staff
from bot.services.runtime import Runtime
from bot.settings import Settings
from models.appeal import Appeal, CodeOverride
from models.audit import AuditEntry
from models.authority import FeedImport
from models.code import HealthCode
from models.district import District
from models.staff import Staff
from tests.conftest import start_app
from tests.support.chat import GREEN_ANSWERS, appeal, declare, orange_resident, reply_of
from tests.support.clock import FakeClock
from tests.support.console import CSRF, dashboard, post_form, sign_in
from tests.support.wechat_user import WeChatUser


@pytest.fixture
async def signed_in(client: TestClient, official: str) -> TestClient:
    response = await sign_in(client, official)
    assert response.status == 303, await response.text()
    return client


# --- sign-in ----------------------------------------------------------------------------------


async def test_the_console_asks_to_sign_in(client: TestClient) -> None:
    response = await client.get("/console", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console/login"
    page = await client.get("/console/login")
    assert page.status == 200 and page.content_type == "text/html"
    html = await page.text()
    assert 'type="password" id="token" name="token"' in html and "<script" not in html
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp and "script-src" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-store"
    cookie = page.cookies["hc_console_login"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/console"


async def test_an_official_signs_in(client: TestClient, official: str) -> None:
    response = await sign_in(client, official)
    assert response.status == 303 and response.headers["Location"] == "/console"
    cookie = response.cookies["hc_console"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/console"
    assert official not in cookie.value  # sealed, not merely signed
    html, _csrf = await dashboard(client)
    assert "健康码管理台" in html and "当前用户：官员乙" in html
    assert await AuditEntry.filter(action="console.login").exists()


@pytest.mark.parametrize(
    ("token", "status", "words"),
    [("hc_of_wrong", 401, "访问令牌无效"), ("", 401, "缺少访问令牌")],
)
async def test_a_bad_token_is_refused(
    client: TestClient, token: str, status: int, words: str
) -> None:
    response = await sign_in(client, token)
    assert response.status == status and words in await response.text()
    assert "hc_console" not in response.cookies


async def test_a_checkpoint_token_is_not_an_officials(client: TestClient) -> None:
    _staff, token = await add_staff("检查员", "checkpoint")
    response = await sign_in(client, token)
    assert response.status == 403 and "无权" in await response.text()


async def test_the_sign_in_form_needs_its_csrf_token(client: TestClient, official: str) -> None:
    await client.get("/console/login")
    forged = await post_form(client, "/console/login", {"csrf": "x" * 64, "token": official})
    assert forged.status == 403 and "hc_console" not in forged.cookies
    client.session.cookie_jar.clear()
    page = await client.get("/console/login")
    csrf = CSRF.search(await page.text())[1]
    client.session.cookie_jar.clear()  # the form without its pre-session cookie
    alone = await post_form(client, "/console/login", {"csrf": csrf, "token": official})
    assert alone.status == 403


async def test_a_forged_cookie_is_no_session(client: TestClient) -> None:
    client.session.cookie_jar.update_cookies({"hc_console": "djE6AAAA"})
    response = await client.get("/console", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/console/login"


async def test_the_session_ends_after_a_shift(signed_in: TestClient, clock: FakeClock) -> None:
    clock.advance(hours=8, seconds=1)
    response = await signed_in.get("/console", allow_redirects=False)
    assert response.status == 303


async def test_a_deactivated_official_is_out_within_the_credential_bound(
    signed_in: TestClient, clock: FakeClock
) -> None:
    await Staff.filter(name="官员乙").update(active=False)
    clock.advance(seconds=CREDENTIAL_TTL)  # what this process knew of the token has lapsed
    assert (await signed_in.get("/console", allow_redirects=False)).status == 303


async def test_sign_out(signed_in: TestClient) -> None:
    _html, csrf = await dashboard(signed_in)
    response = await post_form(signed_in, "/console/logout", {"csrf": csrf})
    assert response.status == 303 and response.headers["Location"] == "/console/login"
    assert (await signed_in.get("/console", allow_redirects=False)).status == 303


# --- the dashboard ----------------------------------------------------------------------------


async def test_the_dashboard_shows_districts_chart_appeals_and_imports(
    signed_in: TestClient, runtime: Runtime
) -> None:
    user = await orange_resident(signed_in, runtime)
    await appeal(user, "<script>alert(1)</script> 我已解除隔离")
    await FeedImport.create(
        source="tj-cdc", received=12, created=10, updated=2, matched=3, created_at=runtime.now()
    )
    html, _csrf = await dashboard(signed_in)
    assert html.count('<tr><th scope="row">') == 16 and "和平区" in html and "蓟州区" in html
    assert '<svg class="chart"' in html and "和平区 · 橙码 1" in html
    appeal_id = (await Appeal.get()).id
    assert f'id="appeal-{appeal_id}"' in html and "申诉 #" in html and "张*" in html
    assert "1101**********002X" in html and "11010519491231002X" not in html
    assert '<ul class="reasons"><li>' in html and "武汉" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "tj-cdc" in html and "最近的数据导入" in html
    assert 'action="/console/appeals/' in html and 'action="/console/districts/120101/tier"' in html


async def test_the_dashboard_in_english(client: TestClient, official: str) -> None:
    response = await sign_in(client, official, "en")
    assert response.headers["Location"] == "/console?lang=en"
    html, _csrf = await dashboard(client, "/console?lang=en")
    assert 'lang="en"' in html and "Health code console" in html and "Heping" in html
    assert "There are no open appeals" in html and "There are no health codes yet" in html


# --- a district's tier ------------------------------------------------------------------------


async def test_a_tier_is_changed_from_the_console(signed_in: TestClient) -> None:
    _html, csrf = await dashboard(signed_in)
    response = await post_form(
        signed_in,
        "/console/districts/120101/tier",
        {"csrf": csrf, "tier": "high", "note": "新增确诊病例"},
    )
    assert response.status == 303, await response.text()
    assert response.headers["Location"].startswith("/console?done=tier&d=120101")
    assert (await District.get(adcode=120101)).tier == "high"
    entry = await AuditEntry.get(action="tier.change", target="district:120101")
    assert entry.after == {"tier": "high", "note": "新增确诊病例"} and entry.staff_id
    html = await (await signed_in.get(response.headers["Location"])).text()
    assert "和平区 已调整为高风险" in html


async def test_a_large_tier_change_from_the_console_goes_on_in_the_background(
    aiohttp_client, settings: Settings, clock: FakeClock
) -> None:
    app = await start_app(aiohttp_client, dataclasses.replace(settings, tier_wait_people=0), clock)
    resident = WeChatUser(app, app.app[CODEC], "o-heping")
    await declare(resident, GREEN_ANSWERS)
    _staff, token = await add_staff("官员乙", "official")
    assert (await sign_in(app, token)).status == 303
    _html, csrf = await dashboard(app)
    response = await post_form(
        app, "/console/districts/120101/tier", {"csrf": csrf, "tier": "high", "note": "聚集"}
    )
    assert response.status == 303
    assert response.headers["Location"].startswith("/console?done=tier_running&d=120101&n=1")
    html = await (await app.get(response.headers["Location"])).text()
    assert "和平区 已调整为高风险" in html and "正在后台分批重新判定" in html
    for _ in range(200):
        if await HealthCode.filter(color="orange").exists():
            break
        await asyncio.sleep(0.01)
    assert await HealthCode.filter(color="orange").count() == 1


@pytest.mark.parametrize(
    ("path", "data", "status", "words"),
    [
        ("/console/districts/120101/tier", {"tier": "extreme"}, 422, "风险等级只能是"),
        ("/console/districts/999999/tier", {"tier": "high"}, 404, "999999"),
        ("/console/districts/abc/tier", {"tier": "high"}, 404, "abc"),
    ],
)
async def test_a_bad_tier_form_shows_why(
    signed_in: TestClient, path: str, data: dict, status: int, words: str
) -> None:
    _html, csrf = await dashboard(signed_in)
    response = await post_form(signed_in, path, {"csrf": csrf, **data})
    assert response.status == status
    html = await response.text()
    assert 'class="flash error"' in html and words in html
    assert not await AuditEntry.filter(action="tier.change").exists()


async def test_a_form_without_csrf_or_from_elsewhere_is_refused(signed_in: TestClient) -> None:
    _html, csrf = await dashboard(signed_in)
    path, form = "/console/districts/120101/tier", {"tier": "high"}
    assert (await post_form(signed_in, path, form)).status == 403
    assert (await post_form(signed_in, path, {**form, "csrf": "0" * 64})).status == 403
    elsewhere = {"Origin": "https://evil.example"}
    response = await post_form(signed_in, path, {**form, "csrf": csrf}, headers=elsewhere)
    assert response.status == 403 and "页面已过期或来源不明" in await response.text()
    sandboxed = {"Origin": "null"}
    assert (
        await post_form(signed_in, path, {**form, "csrf": csrf}, headers=sandboxed)
    ).status == 403
    cross = {"Sec-Fetch-Site": "cross-site"}
    assert (await post_form(signed_in, path, {**form, "csrf": csrf}, headers=cross)).status == 403
    assert (await District.get(adcode=120101)).tier != "high"
    same = {"Origin": str(signed_in.make_url("/")).rstrip("/")}
    assert (await post_form(signed_in, path, {**form, "csrf": csrf}, headers=same)).status == 303


async def test_an_action_without_a_session_goes_to_sign_in(client: TestClient) -> None:
    response = await post_form(client, "/console/districts/120101/tier", {"tier": "high"})
    assert response.status == 303 and response.headers["Location"] == "/console/login"


# --- answering appeals ------------------------------------------------------------------------


async def test_an_appeal_is_accepted_from_the_console(
    signed_in: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    user = await orange_resident(signed_in, runtime)
    await appeal(user)
    row = await Appeal.get()
    _html, csrf = await dashboard(signed_in)
    until = (clock.moment + timedelta(days=2)).astimezone(runtime.ruleset.tz).date().isoformat()
    response = await post_form(
        signed_in,
        f"/console/appeals/{row.id}/resolve",
        {"csrf": csrf, "decision": "accept", "color": "green", "until": until, "reply": "已核实"},
    )
    assert response.status == 303, await response.text()
    assert (await HealthCode.get()).color == "green" and await CodeOverride.exists()
    assert "已核实" in (await reply_of(runtime, row.id))[1]
    html = await (await signed_in.get(response.headers["Location"])).text()
    assert f"申诉 #{row.id} 已受理" in html and "没有待处理的申诉" in html
    assert await AuditEntry.filter(action="appeal.resolve", target=f"appeal:{row.id}").exists()


async def test_an_appeal_is_rejected_and_cannot_be_answered_twice(
    signed_in: TestClient, runtime: Runtime
) -> None:
    user = await orange_resident(signed_in, runtime)
    await appeal(user)
    row = await Appeal.get()
    _html, csrf = await dashboard(signed_in)
    form = {"csrf": csrf, "decision": "reject", "reply": "请继续居家观察", "color": "", "until": ""}
    path = f"/console/appeals/{row.id}/resolve"
    assert (await post_form(signed_in, path, form)).status == 303
    assert (await Appeal.get()).decision == "reject"
    again = await post_form(signed_in, path, form)
    assert again.status == 409 and "已经处理过" in await again.text()


@pytest.mark.parametrize(
    ("form", "status", "words"),
    [
        ({"decision": "reject", "reply": "x", "color": "green"}, 422, "驳回申诉时不能调整颜色"),
        ({"decision": "accept", "reply": ""}, 422, "请填写给申诉人的答复"),
        ({"decision": "accept", "reply": "x", "color": "green", "until": ""}, 422, "截止时间"),
    ],
)
async def test_a_bad_answer_form_shows_why(
    signed_in: TestClient, runtime: Runtime, form: dict, status: int, words: str
) -> None:
    user = await orange_resident(signed_in, runtime)
    await appeal(user)
    row = await Appeal.get()
    _html, csrf = await dashboard(signed_in)
    response = await post_form(
        signed_in, f"/console/appeals/{row.id}/resolve", {"csrf": csrf, **form}
    )
    assert response.status == status
    assert words in await response.text()
    assert (await Appeal.get()).status == "open"


async def test_an_unknown_appeal_is_not_found(signed_in: TestClient) -> None:
    _html, csrf = await dashboard(signed_in)
    form = {"csrf": csrf, "decision": "reject", "reply": "x"}
    response = await post_form(signed_in, "/console/appeals/424242/resolve", form)
    assert response.status == 404 and "没有这条申诉" in await response.text()
