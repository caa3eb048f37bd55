"""Our own key rotation under continuous scanning (issue 12): no scan fails because of it,
whichever process signed first with the new key; the published set lists the key that signs
and every key a token still valid may carry, and no older one."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import CODEC, RUNTIME
from bot.key_files import rotate_signing_key
from bot.services.access.staff import add_staff
from bot.services.codes.display import live_code, token_for
from bot.services.runtime import build_runtime
from bot.settings import Settings
from models.person import Person
from tests.conftest import start_app
from tests.support.clock import FakeClock
from tests.support.scans import scan_ok, ticket_after
from tests.support.wechat_user import WeChatUser

SCANNERS = 4


async def refreshed_token(client: TestClient, ticket: str) -> str:
    """What the code page's refresh shows: the token whose QR the page draws."""
    response = await client.get(f"/c/{ticket}/code.json")
    assert response.status == 200, await response.text()
    token: str = (await response.json())["token"]
    return token


def kids(jwks: dict) -> list[str]:
    return [key["kid"] for key in jwks["keys"]]


@pytest.fixture
async def app(aiohttp_client, settings: Settings, clock: FakeClock) -> TestClient:
    fast = dataclasses.replace(settings, key_reload_seconds=0.05)
    return await start_app(aiohttp_client, fast, clock)


async def test_no_scan_fails_across_two_rotations_under_continuous_scanning(
    app: TestClient, settings: Settings
) -> None:
    user = WeChatUser(app, app.app[CODEC], "o-rotating")
    ticket = await ticket_after(user)
    checkpoint = (await add_staff("检查员甲", "checkpoint"))[1]
    rt = app.app[RUNTIME]
    first = rt.keyring.current.kid.hex()
    verdicts: list[str] = []
    seen_kids: set[str] = set()
    stop = asyncio.Event()

    async def scanning() -> None:
        while not stop.is_set():
            token = await refreshed_token(app, ticket)
            verdicts.append((await scan_ok(app, checkpoint, token=token))["verdict"])
            seen_kids.add(rt.keyring.current.kid.hex())

    scanners = [asyncio.create_task(scanning()) for _ in range(SCANNERS)]
    try:
        for _ in range(2):
            await asyncio.sleep(0.3)
            rotate_signing_key(settings)
        await asyncio.sleep(0.3)
    finally:
        stop.set()
        await asyncio.gather(*scanners)
    assert len(verdicts) > 20 and set(verdicts) == {"pass"}, verdicts
    assert len(seen_kids) == 3 and first in seen_kids  # it signed with each key in turn
    published = await (await app.get("/.well-known/health-code-keys")).json()
    assert kids(published)[0] == rt.keyring.current.kid.hex() and first in kids(published)
    assert len(kids(published)) == 3


async def test_a_token_another_process_signed_with_the_new_key_passes_at_once(
    aiohttp_client, settings: Settings, clock: FakeClock
) -> None:
    # this process would notice the rotation only in an hour: the scan must not wait for it
    slow = dataclasses.replace(settings, key_reload_seconds=3600)
    app = await start_app(aiohttp_client, slow, clock)
    ticket = await ticket_after(WeChatUser(app, app.app[CODEC], "o-other-process"))
    checkpoint = (await add_staff("检查员甲", "checkpoint"))[1]
    before = app.app[RUNTIME].keyring.current.kid
    rotate_signing_key(settings)
    other = build_runtime(settings, clock)  # a process started after the rotation
    assert other.keyring.current.kid != before
    token = token_for(other, await live_code(await Person.get())).token
    assert (await scan_ok(app, checkpoint, token=token))["verdict"] == "pass"
    # and the old key's tokens, which this process still signs until it looks, pass too
    assert (await scan_ok(app, checkpoint, token=await refreshed_token(app, ticket)))[
        "verdict"
    ] == "pass"


async def test_the_published_set_drops_a_key_once_no_valid_token_can_carry_it(
    app: TestClient, settings: Settings, clock: FakeClock
) -> None:
    rt = app.app[RUNTIME]
    old = rt.keyring.current.kid.hex()
    rotate_signing_key(settings, now=clock())
    await asyncio.sleep(0.2)  # the process picks the rotation up
    new = rt.keyring.current.kid.hex()
    assert new != old
    s = rt.settings
    window = s.token_lifetime + timedelta(seconds=30 + s.key_reload_seconds)
    clock.advance(seconds=window.total_seconds() - 1)
    assert kids(await (await app.get("/.well-known/health-code-keys")).json()) == [new, old]
    clock.advance(seconds=2)
    published = await (await app.get("/.well-known/health-code-keys")).json()
    assert kids(published) == [new]
    assert published["region"] == {"adcode": 120000, "name": "天津市", "name_en": "Tianjin"}
    # here the old key still verifies: nothing it signed is lost, it is only no longer offered
    assert rt.keyring.keys_for(bytes.fromhex(old))
