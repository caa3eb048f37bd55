"""Bearer credentials come from a per-process cache (bot/services/access/credentials.py): what the
database said of a token is trusted for CREDENTIAL_TTL seconds and no longer. A deactivated
worker, a deleted official or an account erased elsewhere is refused once the bound has passed;
the process that erases an account refuses its session at once."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.services.access.credentials import CREDENTIAL_TTL, MISSING, TtlCache
from bot.services.access.staff import add_staff
from models.person import Account
from models.staff import Staff
from tests.support.clock import FakeClock
from tests.support.miniapp import MiniappUser
from tests.support.scans import assert_error, post_scan, scanned_token
from tests.support.wechat_user import WeChatUser

JUST_INSIDE = CREDENTIAL_TTL - 0.5


async def test_a_deactivated_worker_is_refused_within_the_bound(
    client: TestClient,
    resident: WeChatUser,
    checkpoint: str,
    clock: FakeClock,
) -> None:
    token = await scanned_token(client, resident)
    assert (await post_scan(client, checkpoint, {"token": token})).status == 200
    await Staff.filter(name="检查员甲").update(active=False)
    clock.advance(seconds=JUST_INSIDE)  # the cached answer still stands: no round trip
    assert (await post_scan(client, checkpoint, {"token": token})).status == 200
    clock.advance(seconds=0.5)
    error = await assert_error(await post_scan(client, checkpoint, {"token": token}), 401)
    assert error["code"] == "auth.invalid"


async def test_a_deleted_official_is_refused_within_the_bound(
    client: TestClient,
    official: str,
    clock: FakeClock,
) -> None:
    headers = {"Authorization": f"Bearer {official}"}
    assert (await client.get("/api/admin/stats", headers=headers)).status == 200
    await Staff.filter(name="官员乙").delete()
    clock.advance(seconds=CREDENTIAL_TTL)
    await assert_error(await client.get("/api/admin/stats", headers=headers), 401)


async def test_a_token_unknown_at_first_is_not_remembered_past_the_bound(
    client: TestClient, resident: WeChatUser, clock: FakeClock
) -> None:
    """Unknown tokens are cached too (a flood of made-up ones costs no queries), but only for
    the bound: a worker reactivated is let in again after it."""
    token = await scanned_token(client, resident)
    _staff, secret = await add_staff("检查员丙", "checkpoint")
    await Staff.filter(name="检查员丙").update(active=False)
    await assert_error(await post_scan(client, secret, {"token": token}), 401)
    await Staff.filter(name="检查员丙").update(active=True)
    clock.advance(seconds=CREDENTIAL_TTL)
    assert (await post_scan(client, secret, {"token": token})).status == 200


async def test_an_account_erased_by_another_process_is_refused_within_the_bound(
    declared_app_user: MiniappUser,
    clock: FakeClock,
) -> None:
    assert (await declared_app_user.call("GET", "/code"))[0] == 200
    # another worker erased it: this process only learns it from the database
    await Account.filter(openid=declared_app_user.openid).delete()
    clock.advance(seconds=CREDENTIAL_TTL)
    status, answer = await declared_app_user.call("GET", "/code")
    assert status == 401 and answer["error"]["code"] == "miniapp.token_invalid"


async def test_the_process_that_erases_an_account_refuses_its_token_at_once(
    declared_app_user: MiniappUser,
) -> None:
    assert (await declared_app_user.call("GET", "/me"))[0] == 200
    assert (await declared_app_user.call("DELETE", "/me"))[0] == 200
    status, answer = await declared_app_user.call("GET", "/me")
    assert status == 401 and answer["error"]["code"] == "miniapp.token_invalid"


async def test_a_language_chosen_at_login_is_seen_at_once(app_user: MiniappUser) -> None:
    await app_user.login()
    assert (await app_user.me())["lang"] == "zh"
    await app_user.login(lang="en")
    assert (await app_user.me())["lang"] == "en"


@pytest.mark.parametrize("moved", [-1.0, CREDENTIAL_TTL])
def test_an_entry_lapses_when_the_clock_passes_the_bound_or_goes_back(moved: float) -> None:
    now = [1000.0]
    cache: TtlCache[str] = TtlCache(CREDENTIAL_TTL, lambda: now[0])
    cache.put("k", "v")
    assert cache.get("k") == "v"
    now[0] += moved
    assert cache.get("k") is MISSING and len(cache) == 0


def test_the_cache_keeps_a_bounded_number_of_entries() -> None:
    cache: TtlCache[int] = TtlCache(CREDENTIAL_TTL, lambda: 0.0, max_entries=3)
    for n in range(10):
        cache.put(n, n)
    assert len(cache) == 3 and cache.get(9) == 9 and cache.get(0) is MISSING
