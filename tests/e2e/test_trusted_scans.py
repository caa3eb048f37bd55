"""Other regions' codes at our checkpoint (issue 12, docs/trust.md): a trusted region's token is
verified offline and answered with its issuer and signed colour; an untrusted region, a stale
list and an unknown kid are refused with their reasons; the trust list's changes are audited
and reach the scan within the cache's bound. Fetching is bounded in size and time."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.health.colors import Color
from bot.health.key_sets import KeySetError
from bot.health.tokens import Keyring, SigningKey, issue_token, jwks
from bot.services.access.staff import add_staff
from bot.services.runtime import Runtime
from bot.services.trust.refresh import refresh_trust_lists
from bot.services.trust.trust_list import TrustError, list_trust, remove_trust
from bot.settings import Settings
from bot.trust_fetch import MAX_BYTES, fetch_key_set
from models.audit import AuditEntry
from models.staff import ScanLog
from models.trust import TrustedRegion
from tests.conftest import start_app
from tests.support.clock import FakeClock
from tests.support.scans import scan_ok
from tests.support.trust import trust

BEIJING = 110000
BEIJING_KEY = SigningKey.from_private_bytes(bytes.fromhex("b1" * 32))
BEIJING_NEXT = SigningKey.from_private_bytes(bytes.fromhex("b2" * 32))
HEBEI_KEY = SigningKey.from_private_bytes(bytes.fromhex("c1" * 32))
CODE_ID = bytes(range(16))


def foreign_token(
    rt: Runtime,
    key: SigningKey = BEIJING_KEY,
    region: int = BEIJING,
    color: Color = Color.GREEN,
    **moved: float,
) -> str:
    return issue_token(
        Keyring(key),
        code_id=CODE_ID,
        color=color,
        region=region,
        rules_version="b1",
        now=rt.now() + timedelta(**moved),
        lifetime=timedelta(seconds=120),
    )


def key_set(*keys: SigningKey, region: dict | None = None) -> dict[str, Any]:
    document: dict[str, Any] = jwks(Keyring(keys[0], [k.public_bytes for k in keys[1:]]))
    return document | ({"region": region} if region else {})


@pytest.fixture
async def app(aiohttp_client, settings: Settings, clock: FakeClock) -> TestClient:
    # every foreign scan reads the list again: the tests change it between scans
    return await start_app(
        aiohttp_client, dataclasses.replace(settings, trust_cache_seconds=0), clock
    )


@pytest.fixture
def rt(app: TestClient) -> Runtime:
    from bot.app_state import RUNTIME

    return app.app[RUNTIME]


@pytest.fixture
async def checkpoint(app: TestClient) -> str:
    return (await add_staff("检查员甲", "checkpoint"))[1]


class Publisher:
    """Another region's server, as far as its published keys go."""

    def __init__(self) -> None:
        self.document: Any = key_set(BEIJING_KEY)
        self.delay = 0.0
        self.status = 200
        self.body: bytes | None = None
        self.url = ""
        self.requests = 0

    async def keys(self, _request: web.Request) -> web.StreamResponse:
        self.requests += 1
        await asyncio.sleep(self.delay)
        body = self.body if self.body is not None else json.dumps(self.document).encode()
        return web.Response(body=body, status=self.status, content_type="application/json")


async def redirect_loop(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/loop")


@pytest.fixture
async def publisher() -> AsyncIterator[Publisher]:
    fake = Publisher()
    app = web.Application()
    app.router.add_get("/.well-known/health-code-keys", fake.keys)
    app.router.add_get("/loop", redirect_loop)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("/.well-known/health-code-keys"))
    try:
        yield fake
    finally:
        await server.close()


async def scan(app: TestClient, checkpoint: str, token: str, **body: Any) -> dict[str, Any]:
    return await scan_ok(app, checkpoint, token=token, **body)


# --- scans ----------------------------------------------------------------------------------


async def test_a_trusted_regions_code_is_verified_offline_with_its_signed_colour(
    app: TestClient, rt: Runtime, checkpoint: str, publisher: Publisher
) -> None:
    await trust(rt, BEIJING, publisher.url)
    fetched = publisher.requests
    green = await scan(app, checkpoint, foreign_token(rt))
    assert green == {
        "verdict": "pass",
        "color": "green",
        "name": None,
        "issued_at": rt.now().isoformat(),
        "expires_at": (rt.now() + timedelta(seconds=120)).isoformat(),
        "reasons": [],
        "reason": None,
        "issuer": {"adcode": BEIJING, "name": "北京市"},
        "source": "signed",
    }
    red = await scan(app, checkpoint, foreign_token(rt, color=Color.RED))
    assert (red["verdict"], red["color"], red["source"]) == ("deny", "red", "signed")
    feverish = await scan(app, checkpoint, foreign_token(rt), temperature=38.0)
    assert feverish["verdict"] == "deny"
    assert publisher.requests == fetched  # offline: no call to the issuing region
    logged = await ScanLog.all().order_by("id").values_list("verdict", "color", "person_id")
    assert logged == [("pass", "green", None), ("deny", "red", None), ("deny", "green", None)]


async def test_expiry_and_skew_apply_to_another_regions_code(
    app: TestClient, rt: Runtime, checkpoint: str, publisher: Publisher
) -> None:
    await trust(rt, BEIJING, publisher.url)
    assert (await scan(app, checkpoint, foreign_token(rt, seconds=-149)))["verdict"] == "pass"
    old = await scan(app, checkpoint, foreign_token(rt, seconds=-151))
    assert (old["verdict"], old["reason"]) == ("expired", "expired")
    assert (await scan(app, checkpoint, foreign_token(rt, seconds=29)))["verdict"] == "pass"
    early = await scan(app, checkpoint, foreign_token(rt, seconds=31))
    assert (early["verdict"], early["reason"]) == ("expired", "not yet valid")


async def test_an_untrusted_region_is_refused(
    app: TestClient, rt: Runtime, checkpoint: str, publisher: Publisher
) -> None:
    await trust(rt, BEIJING, publisher.url)
    refused = await scan(app, checkpoint, foreign_token(rt, HEBEI_KEY, 130000))
    assert (refused["verdict"], refused["reason"]) == ("invalid", "untrusted issuer")
    assert refused["reasons"] == ["不受信任的签发地区：本地未与该地区互认健康码。"]
    assert refused["issuer"] is None and refused["color"] is None


async def test_a_stale_trust_list_is_refused_until_refreshed(
    app: TestClient, rt: Runtime, checkpoint: str, publisher: Publisher, clock: FakeClock
) -> None:
    await trust(rt, BEIJING, publisher.url, days=2)
    clock.advance(days=2)
    stale = await scan(app, checkpoint, foreign_token(rt))
    assert (stale["verdict"], stale["reason"]) == ("invalid", "stale trust list")
    assert [view.stale for view in await list_trust(rt)] == [True]
    assert [outcome.error for outcome in await refresh_trust_lists(rt, fetch_key_set)] == [None]
    assert (await scan(app, checkpoint, foreign_token(rt)))["verdict"] == "pass"


async def test_an_unknown_kid_of_a_trusted_region_is_refused_until_its_list_says_it(
    app: TestClient, rt: Runtime, checkpoint: str, publisher: Publisher
) -> None:
    await trust(rt, BEIJING, publisher.url)
    rotated = foreign_token(rt, BEIJING_NEXT)
    refused = await scan(app, checkpoint, rotated)
    assert (refused["verdict"], refused["reason"]) == ("invalid", "unknown key")
    publisher.document = key_set(BEIJING_NEXT, BEIJING_KEY)
    await refresh_trust_lists(rt, fetch_key_set)
    assert (await scan(app, checkpoint, rotated))["verdict"] == "pass"
    assert (await scan(app, checkpoint, foreign_token(rt)))["verdict"] == "pass"


async def test_another_regions_key_cannot_sign_for_a_third_region(
    app: TestClient, rt: Runtime, checkpoint: str, publisher: Publisher
) -> None:
    await trust(rt, BEIJING, publisher.url)
    publisher.document = key_set(HEBEI_KEY)
    await trust(rt, 130000, publisher.url)
    # Beijing's key, Hebei's name on the token: Hebei's list knows no such kid
    forged = await scan(app, checkpoint, foreign_token(rt, BEIJING_KEY, 130000))
    assert (forged["verdict"], forged["reason"]) == ("invalid", "unknown key")
    # a token naming us, signed by a trusted region's key, is not ours either
    ours = await scan(app, checkpoint, foreign_token(rt, BEIJING_KEY, 120000))
    assert (ours["verdict"], ours["reason"]) == ("invalid", "unknown key")


async def test_a_removed_region_is_refused_within_the_cache_bound(
    aiohttp_client, settings: Settings, clock: FakeClock, publisher: Publisher
) -> None:
    app = await start_app(
        aiohttp_client, dataclasses.replace(settings, trust_cache_seconds=0.5), clock
    )
    from bot.app_state import RUNTIME

    rt = app.app[RUNTIME]
    checkpoint = (await add_staff("检查员甲", "checkpoint"))[1]
    await trust(rt, BEIJING, publisher.url)
    assert (await scan(app, checkpoint, foreign_token(rt)))["verdict"] == "pass"
    await remove_trust(rt, BEIJING)
    # within the bound this process may still accept it; past it, never
    await asyncio.sleep(0.6)
    refused = await scan(app, checkpoint, foreign_token(rt))
    assert (refused["verdict"], refused["reason"]) == ("invalid", "untrusted issuer")


# --- the trust list -------------------------------------------------------------------------


async def test_every_change_to_the_trust_list_is_audited(
    rt: Runtime, publisher: Publisher, clock: FakeClock
) -> None:
    view = await trust(rt, BEIJING, publisher.url, days=3)
    assert (view.name, view.name_en, view.kids) == ("北京市", "Beijing", (BEIJING_KEY.kid.hex(),))
    assert view.expires_at == clock() + timedelta(days=3) and not view.stale
    clock.advance(hours=1)
    await refresh_trust_lists(rt, fetch_key_set)
    await remove_trust(rt, BEIJING)
    entries = await AuditEntry.all().order_by("id")
    assert [(e.action, e.target, e.staff_id) for e in entries] == [
        ("trust.add", "region:110000", None),
        ("trust.refresh", "region:110000", None),
        ("trust.remove", "region:110000", None),
    ]
    assert entries[0].after["kids"] == [BEIJING_KEY.kid.hex()]
    assert entries[1].after["expires_at"] == (clock() + timedelta(days=3)).isoformat()
    assert entries[2].before["source"] == publisher.url
    assert await TrustedRegion.all().count() == 0


async def test_a_key_set_file_works_and_says_its_region(rt: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "hebei.json"
    region = {"adcode": 130000, "name": "河北省", "name_en": "Hebei"}
    path.write_text(json.dumps(key_set(HEBEI_KEY, region=region)))
    assert (await trust(rt, 130000, str(path))).name == "河北省"
    with pytest.raises(TrustError, match="says it is region 130000, not 140000"):
        await trust(rt, 140000, str(path), name="山西省")
    unnamed = tmp_path / "unnamed.json"
    unnamed.write_text(json.dumps(key_set(HEBEI_KEY)))
    with pytest.raises(TrustError, match="give it with --name"):
        await trust(rt, 140000, str(unnamed))
    assert (await trust(rt, 140000, str(unnamed), name="山西省")).name_en == "山西省"


@pytest.mark.parametrize(
    ("adcode", "days", "message"),
    [
        (120000, 7, "this service's own region"),
        (11000, 7, "six-digit"),
        (BEIJING, 0, "--days must be 1 to 90"),
        (BEIJING, 91, "--days must be 1 to 90"),
    ],
)
async def test_a_bad_trust_add_is_refused(
    rt: Runtime, publisher: Publisher, adcode: int, days: int, message: str
) -> None:
    with pytest.raises(TrustError, match=message):
        await trust(rt, adcode, publisher.url, days=days)
    assert await TrustedRegion.all().count() == 0 and await AuditEntry.all().count() == 0


async def test_a_failed_refresh_keeps_the_keys_and_says_why(
    app: TestClient, rt: Runtime, checkpoint: str, publisher: Publisher
) -> None:
    await trust(rt, BEIJING, publisher.url)
    publisher.status = 503
    (outcome,) = await refresh_trust_lists(rt, fetch_key_set)
    assert "answered HTTP 503" in outcome.error
    assert (await scan(app, checkpoint, foreign_token(rt)))["verdict"] == "pass"


# --- fetching -------------------------------------------------------------------------------


async def test_fetching_is_bounded_in_size_time_and_redirects(
    publisher: Publisher, tmp_path: Path
) -> None:
    publisher.body = b" " * (MAX_BYTES + 1)
    with pytest.raises(KeySetError, match="larger than 64 KiB"):
        await fetch_key_set(publisher.url)
    publisher.body, publisher.delay = None, 1.0
    with pytest.raises(KeySetError, match=r"no answer within 0\.2 s"):
        await fetch_key_set(publisher.url, timeout=0.2)
    with pytest.raises(KeySetError, match="cannot be fetched"):
        await fetch_key_set(publisher.url.replace("/.well-known/health-code-keys", "/loop"))
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_BYTES + 1))
    with pytest.raises(KeySetError, match="larger than 64 KiB"):
        await fetch_key_set(str(big))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b'{"keys": []}', "at least one key"),
        (json.dumps({"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}).encode(), "only Ed25519"),
    ],
)
async def test_a_bad_document_is_refused_with_a_sentence(
    publisher: Publisher, body: bytes, message: str
) -> None:
    publisher.body = body
    with pytest.raises(KeySetError, match=message):
        await fetch_key_set(publisher.url)


async def test_a_missing_file_or_closed_port_says_so(tmp_path: Path) -> None:
    with pytest.raises(KeySetError, match="cannot be read"):
        await fetch_key_set(str(tmp_path / "none.json"))
    with pytest.raises(KeySetError, match="cannot be fetched"):
        await fetch_key_set("http://127.0.0.1:9/.well-known/health-code-keys")
