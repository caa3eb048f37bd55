"""The code page a resident shows and the checkpoint scan of its QR (docs/architecture.md).

Everything goes through the real HTTP server: a resident declares in the chat, opens the
``/c/<ticket>`` link of the reply, the QR image is decoded with zxing-cpp, and the decoded token
is posted to ``/api/checkpoint/scan`` with a staff bearer token.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import base45
import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bot.health.colors import Color
from bot.health.tokens import PREFIX, Keyring, SigningKey, issue_token, kid_of
from bot.services.access.staff import add_staff
from bot.services.runtime import Runtime
from bot.texts import t
from handlers.api_spec.public import SCAN_REASONS
from models.code import HealthCode
from models.outbox import Notice
from models.person import Account, Person
from models.staff import ScanLog, Staff
from tests.support.chat import GREEN_ANSWERS, MASKED_NAME, RED_ANSWERS, declare
from tests.support.clock import FakeClock
from tests.support.ids import VALID_ID
from tests.support.qr import decode_qr
from tests.support.scans import (
    LINK,
    SCAN,
    assert_error,
    post_scan,
    qr_token,
    scan_ok,
    scanned_token,
    ticket_after,
)
from tests.support.wechat_user import WeChatUser

FULL_NAME = GREEN_ANSWERS[0]  # 张三
ORANGE_ANSWERS = [*GREEN_ANSWERS[:5], "1", "2", "1"]  # fever
TOKEN_LIFETIME = 120
SKEW = 30


# --- helpers ---------------------------------------------------------------------------------


def tampered(token: str, position: int) -> str:
    """``token`` with one character replaced by another base45 character."""
    old = token[position]
    new = "A" if old != "A" else "B"
    return token[:position] + new + token[position + 1 :]


# --- the code page ---------------------------------------------------------------------------


async def test_the_link_in_the_reply_opens_the_code_page(
    client: TestClient, resident: WeChatUser
) -> None:
    ticket = await ticket_after(resident)
    response = await client.get(f"/c/{ticket}")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    html = await response.text()
    assert MASKED_NAME in html and "绿码" in html
    assert FULL_NAME not in html and VALID_ID not in html and "13812345678" not in html
    assert 'lang="zh-CN"' in html and "data:image/png;base64," in html


async def test_the_page_json_carries_the_code_and_the_token_its_qr_is_drawn_from(
    client: TestClient, resident: WeChatUser, clock: FakeClock
) -> None:
    """The page draws each refreshed token's QR itself (bot/resident_pages): the answer holds
    the token, no image, and the token is one a checkpoint accepts."""
    ticket = await ticket_after(resident)
    response = await client.get(f"/c/{ticket}/code.json")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert {"color", "name", "issued_at", "expires_at", "token"} <= set(body)
    assert "qr" not in body and "data:image" not in await response.text()
    assert body["color"] == "green" and body["name"] == MASKED_NAME
    issued = datetime.fromisoformat(body["issued_at"])
    expires = datetime.fromisoformat(body["expires_at"])
    assert issued == clock()
    assert expires - issued == timedelta(seconds=TOKEN_LIFETIME)
    token = body["token"]
    assert token.startswith(PREFIX) and len(token) <= 200
    assert FULL_NAME not in token and VALID_ID not in token
    _, staff_token = await add_staff("检查员", "checkpoint")
    scanned = await scan_ok(client, staff_token, token=token)
    assert scanned["verdict"] == "pass" and scanned["issued_at"] == body["issued_at"]


async def test_the_qr_image_decodes_to_a_short_signed_token(
    client: TestClient, resident: WeChatUser
) -> None:
    ticket = await ticket_after(resident)
    response = await client.get(f"/c/{ticket}/qr.png")
    assert response.headers["Cache-Control"] == "no-store"
    token = decode_qr(await response.read())
    assert token.startswith("HC1:")
    assert len(token) <= 200
    assert FULL_NAME not in token and VALID_ID not in token


async def test_the_page_in_english(client: TestClient, resident: WeChatUser) -> None:
    ticket = await ticket_after(resident)
    html = await (await client.get(f"/c/{ticket}", params={"lang": "en"})).text()
    assert 'lang="en"' in html and "Green code" in html and MASKED_NAME in html
    assert "绿码" not in html
    by_header = await client.get(f"/c/{ticket}", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Green code" in await by_header.text()
    json_en = await (await client.get(f"/c/{ticket}/code.json", params={"lang": "en"})).json()
    assert "Green" in json_en["color_text"]


async def test_an_orange_code_page_says_orange(client: TestClient, resident: WeChatUser) -> None:
    ticket = await ticket_after(resident, ORANGE_ANSWERS)
    html = await (await client.get(f"/c/{ticket}")).text()
    assert "橙码" in html and "绿码" not in html.split("<script")[0].split("<body")[1]
    body = await (await client.get(f"/c/{ticket}/code.json")).json()
    assert body["color"] == "orange"


@pytest.mark.parametrize(
    "make_bad",
    [
        pytest.param(lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), id="changed"),
        pytest.param(lambda t: t[:-4], id="truncated"),
        pytest.param(lambda t: "not-a-ticket", id="garbage"),
        pytest.param(lambda t: "A" * 300, id="long"),
    ],
)
async def test_a_forged_link_gets_a_friendly_404_page(
    client: TestClient, resident: WeChatUser, make_bad
) -> None:
    ticket = make_bad(await ticket_after(resident))
    response = await client.get(f"/c/{ticket}")
    assert response.status == 404
    assert response.content_type == "text/html"
    html = await response.text()
    assert "无法显示健康码" in html and "链接无效" in html and "公众号" in html
    assert "Traceback" not in html and MASKED_NAME not in html
    en = await client.get(f"/c/{ticket}", params={"lang": "en"})
    assert en.status == 404 and "not valid" in await en.text()
    as_json = await client.get(f"/c/{ticket}/code.json")
    await assert_error(as_json, 404)
    image = await client.get(f"/c/{ticket}/qr.png")
    assert image.status == 404 and image.content_type != "image/png"


async def test_an_expired_link_gets_a_404_page_that_says_so(
    client: TestClient, resident: WeChatUser, clock: FakeClock, settings
) -> None:
    ticket = await ticket_after(resident)
    clock.advance(seconds=settings.ticket_lifetime.total_seconds() - 60)
    assert (await client.get(f"/c/{ticket}")).status == 200
    clock.advance(seconds=61)
    response = await client.get(f"/c/{ticket}")
    assert response.status == 404 and response.content_type == "text/html"
    assert "已过期" in await response.text()
    assert (await client.get(f"/c/{ticket}/qr.png")).status == 404
    error = await assert_error(await client.get(f"/c/{ticket}/code.json"), 404)
    assert error["code"] == "page.link_expired"


async def test_a_new_link_from_the_chat_works_after_the_old_one_expired(
    client: TestClient, resident: WeChatUser, clock: FakeClock, settings
) -> None:
    ticket = await ticket_after(resident)
    clock.advance(seconds=settings.ticket_lifetime.total_seconds() + 1)
    assert (await client.get(f"/c/{ticket}")).status == 404
    match = LINK.search(await resident.say("亮码"))
    assert match and match[1] != ticket
    assert (await client.get(f"/c/{match[1]}")).status == 200


async def test_each_image_carries_a_freshly_issued_token(
    client: TestClient, resident: WeChatUser, clock: FakeClock
) -> None:
    ticket = await ticket_after(resident)
    first = await qr_token(client, ticket)
    clock.advance(seconds=5)
    second = await qr_token(client, ticket)
    assert first != second


# --- the scan: verdicts ----------------------------------------------------------------------


async def test_a_green_code_passes_and_shows_only_the_masked_name(
    client: TestClient, resident: WeChatUser, checkpoint: str, clock: FakeClock
) -> None:
    token = await scanned_token(client, resident)
    response = await post_scan(client, checkpoint, {"token": token})
    assert response.status == 200
    body = await response.json()
    assert set(body) == {
        *("verdict", "color", "name", "issued_at", "expires_at", "reasons"),
        *("reason", "issuer", "source"),
    }
    assert body["verdict"] == "pass" and body["color"] == "green"
    assert body["issuer"] == {"adcode": 120000, "name": "天津市"} and body["source"] == "live"
    assert body["reason"] is None
    assert body["name"] == MASKED_NAME
    # Read decoded: the raw JSON escapes Chinese as \uXXXX, where a name could hide.
    shown = json.dumps([body["name"], body["reasons"]], ensure_ascii=False)
    assert FULL_NAME not in shown and VALID_ID not in shown and VALID_ID[-4:] not in shown
    assert "13812345678" not in shown and "5678" not in shown
    assert datetime.fromisoformat(body["issued_at"]) == clock()
    assert datetime.fromisoformat(body["expires_at"]) == clock() + timedelta(seconds=120)
    assert isinstance(body["reasons"], list)


@pytest.mark.parametrize(
    ("temperature", "verdict"),
    [(None, "pass"), (36, "pass"), (36.5, "pass"), (37.2, "pass"), (37.3, "deny"), (39.5, "deny")],
)
async def test_a_temperature_of_37_3_or_more_is_refused(
    client: TestClient,
    resident: WeChatUser,
    checkpoint: str,
    temperature: float | None,
    verdict: str,
) -> None:
    token = await scanned_token(client, resident)
    body = {"token": token} if temperature is None else {"token": token, "temperature": temperature}
    result = await scan_ok(client, checkpoint, **body)
    assert result["verdict"] == verdict
    assert result["color"] == "green" and result["name"] == MASKED_NAME


@pytest.mark.parametrize(
    ("answers", "color"), [(ORANGE_ANSWERS, "orange"), (RED_ANSWERS, "red")], ids=["orange", "red"]
)
async def test_an_orange_or_red_code_is_refused(
    client: TestClient, resident: WeChatUser, checkpoint: str, answers: list[str], color: str
) -> None:
    token = await scanned_token(client, resident, answers)
    result = await scan_ok(client, checkpoint, token=token, temperature=36.5)
    assert result["verdict"] == "deny" and result["color"] == color
    assert result["name"] == MASKED_NAME and result["reasons"]


async def test_a_screenshot_expires_after_the_lifetime_and_the_skew(
    client: TestClient, resident: WeChatUser, checkpoint: str, clock: FakeClock
) -> None:
    token = await scanned_token(client, resident)
    clock.advance(seconds=TOKEN_LIFETIME + SKEW)
    assert (await scan_ok(client, checkpoint, token=token))["verdict"] == "pass"
    clock.advance(seconds=1)
    result = await scan_ok(client, checkpoint, token=token)
    assert result["verdict"] == "expired"
    assert result["name"] is None and result["color"] is None


async def test_a_token_from_the_future_beyond_the_skew_is_expired(
    client: TestClient, resident: WeChatUser, checkpoint: str, clock: FakeClock, runtime: Runtime
) -> None:
    await ticket_after(resident)
    code = await HealthCode.get()
    future = issue_token(
        runtime.keyring,
        code_id=bytes.fromhex(code.code_id),
        color=Color.GREEN,
        region=120000,
        rules_version=code.rules_version,
        now=clock() + timedelta(seconds=SKEW + 5),
        lifetime=timedelta(seconds=TOKEN_LIFETIME),
    )
    assert (await scan_ok(client, checkpoint, token=future))["verdict"] == "expired"


async def test_the_live_colour_wins_over_the_colour_in_the_token(
    client: TestClient, resident: WeChatUser, checkpoint: str
) -> None:
    token = await scanned_token(client, resident)
    assert (await scan_ok(client, checkpoint, token=token))["verdict"] == "pass"
    assert "橙码" in await declare(resident, ORANGE_ANSWERS)
    result = await scan_ok(client, checkpoint, token=token)
    assert result["verdict"] == "deny" and result["color"] == "orange"
    assert result["name"] == MASKED_NAME


async def test_a_code_turned_green_again_passes_with_the_old_token(
    client: TestClient, resident: WeChatUser, checkpoint: str
) -> None:
    token = await scanned_token(client, resident, ORANGE_ANSWERS)
    assert (await scan_ok(client, checkpoint, token=token))["verdict"] == "deny"
    await declare(resident, GREEN_ANSWERS)
    result = await scan_ok(client, checkpoint, token=token)
    assert result["verdict"] == "pass" and result["color"] == "green"


@pytest.mark.parametrize("position", [1, 4, 10, 30, 60, 100, -20, -1])
async def test_a_token_changed_in_one_character_is_invalid(
    client: TestClient, resident: WeChatUser, checkpoint: str, position: int
) -> None:
    token = await scanned_token(client, resident)
    result = await scan_ok(client, checkpoint, token=tampered(token, position))
    reason = result.pop("reason")
    assert reason in SCAN_REASONS
    assert result == {
        "verdict": "invalid",
        "color": None,
        "name": None,
        "issued_at": None,
        "expires_at": None,
        "reasons": [t("scan.reason_" + reason.replace(" ", "_"))],
        "issuer": None,
        "source": None,
    }


async def test_a_token_signed_by_another_key_is_invalid(
    client: TestClient, resident: WeChatUser, checkpoint: str, clock: FakeClock
) -> None:
    await ticket_after(resident)
    code = await HealthCode.get()
    stranger = Keyring(SigningKey.generate())
    forged = issue_token(
        stranger,
        code_id=bytes.fromhex(code.code_id),
        color=Color.GREEN,
        region=120000,
        rules_version=code.rules_version,
        now=clock(),
        lifetime=timedelta(seconds=TOKEN_LIFETIME),
    )
    result = await scan_ok(client, checkpoint, token=forged)
    assert result["verdict"] == "invalid" and result["name"] is None


async def test_a_token_with_our_kid_but_another_signature_is_invalid(
    client: TestClient, resident: WeChatUser, checkpoint: str, clock: FakeClock, runtime: Runtime
) -> None:
    token = await scanned_token(client, resident)
    raw = base45.b45decode(token.removeprefix(PREFIX))
    payload = raw[:-64]
    stranger = SigningKey.generate()
    resigned = (
        PREFIX + base45.b45encode(payload + stranger.sign(PREFIX.encode() + payload)).decode()
    )
    assert payload[1:9] == runtime.keyring.current.kid
    assert (await scan_ok(client, checkpoint, token=resigned))["verdict"] == "invalid"


async def test_a_genuine_token_for_an_unknown_code_is_invalid(
    client: TestClient, checkpoint: str, clock: FakeClock, runtime: Runtime
) -> None:
    orphan = issue_token(
        runtime.keyring,
        code_id=bytes(16),
        color=Color.GREEN,
        region=120000,
        rules_version="1",
        now=clock(),
        lifetime=timedelta(seconds=TOKEN_LIFETIME),
    )
    assert (await scan_ok(client, checkpoint, token=orphan))["verdict"] == "invalid"


@pytest.mark.parametrize(
    "garbage",
    [
        "hello",
        "HC1:",
        "HC1:!!!!",
        "HC1:AAAA",
        "hc1:" + "A" * 150,
        "HC1:" + "0" * 180,
        "HC1:" + "Z" * 5000,
        "https://example.com/c/abc",
        " ",
        "健康码",
        "\x00\x01",
    ],
)
async def test_garbage_is_invalid(client: TestClient, checkpoint: str, garbage: str) -> None:
    result = await scan_ok(client, checkpoint, token=garbage)
    assert result["verdict"] == "invalid"


async def test_an_empty_token_is_refused(client: TestClient, checkpoint: str) -> None:
    # An empty string is treated like a missing field: 422, not a verdict (see the report).
    error = await assert_error(await post_scan(client, checkpoint, {"token": ""}), 422)
    assert error.get("field") == "token"


# --- the scan: authentication and the request's shape ----------------------------------------


async def test_no_bearer_token_is_401(client: TestClient, resident: WeChatUser) -> None:
    token = await scanned_token(client, resident)
    await assert_error(await post_scan(client, None, {"token": token}), 401)
    basic = await client.post(SCAN, json={"token": token}, headers={"Authorization": "Basic eDp5"})
    await assert_error(basic, 401)
    empty = await client.post(SCAN, json={"token": token}, headers={"Authorization": "Bearer "})
    await assert_error(empty, 401)


async def test_a_wrong_bearer_token_is_401(
    client: TestClient, resident: WeChatUser, checkpoint: str
) -> None:
    token = await scanned_token(client, resident)
    await assert_error(await post_scan(client, "hc_ch_not-a-real-token", {"token": token}), 401)
    await assert_error(await post_scan(client, checkpoint + "x", {"token": token}), 401)


async def test_a_deactivated_worker_is_401(
    client: TestClient, resident: WeChatUser, checkpoint: str
) -> None:
    token = await scanned_token(client, resident)
    await Staff.all().update(active=False)
    await assert_error(await post_scan(client, checkpoint, {"token": token}), 401)


async def test_an_officials_token_cannot_scan(
    client: TestClient, resident: WeChatUser, official: str
) -> None:
    token = await scanned_token(client, resident)
    error = await assert_error(await post_scan(client, official, {"token": token}), 403)
    assert error["code"] == "auth.wrong_role"
    assert await ScanLog.all().count() == 0


async def test_authentication_comes_before_the_body(client: TestClient) -> None:
    await assert_error(await post_scan(client, None, data=b"{not json"), 401)


async def test_a_body_that_is_not_json_is_400(client: TestClient, checkpoint: str) -> None:
    response = await post_scan(
        client, checkpoint, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    error = await assert_error(response, 400)
    assert error["code"] == "api.not_json"


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"", b"\xff\xfe\x00", b'{"token": "HC1:', b"token=HC1:ABC"],
    ids=["broken", "empty", "not-utf8", "cut-off", "form"],
)
async def test_a_body_that_is_not_json_is_a_client_error(
    client: TestClient, checkpoint: str, raw: bytes
) -> None:
    response = await client.post(
        SCAN,
        data=raw,
        headers={"Authorization": f"Bearer {checkpoint}", "Content-Type": "application/json"},
    )
    error = await assert_error(response, response.status)
    assert response.status == 400
    assert error["code"] == "api.not_json"


@pytest.mark.parametrize("body", [b"[]", b'["HC1:ABC"]', b'"HC1:ABC"', b"42", b"null", b"true"])
async def test_a_body_that_is_not_an_object_is_refused(
    client: TestClient, checkpoint: str, body: bytes
) -> None:
    response = await client.post(
        SCAN,
        data=body,
        headers={"Authorization": f"Bearer {checkpoint}", "Content-Type": "application/json"},
    )
    assert response.status == 400
    error = await assert_error(response, response.status)
    assert error["code"] == "api.not_object"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "token"),
        ({"temperature": 36.5}, "token"),
        ({"token": None}, "token"),
        ({"token": 12345}, "token"),
        ({"token": ["HC1:ABC"]}, "token"),
        ({"token": "{token}", "place": 7}, "place"),
        ({"token": "{token}", "place": ["北门"]}, "place"),
    ],
)
async def test_a_missing_or_mistyped_field_is_422(
    client: TestClient, resident: WeChatUser, checkpoint: str, body: dict, field: str
) -> None:
    token = await scanned_token(client, resident)
    body = {k: token if v == "{token}" else v for k, v in body.items()}
    error = await assert_error(await post_scan(client, checkpoint, body), 422)
    assert error.get("field") == field
    assert await ScanLog.all().count() == 0


@pytest.mark.parametrize(
    "temperature",
    ["hot", "37.0", 50, 20, -1, True, [36.5], {"c": 36.5}],
)
async def test_an_impossible_temperature_is_422(
    client: TestClient, resident: WeChatUser, checkpoint: str, temperature: Any
) -> None:
    token = await scanned_token(client, resident)
    error = await assert_error(
        await post_scan(client, checkpoint, {"token": token, "temperature": temperature}), 422
    )
    assert error["code"] == "scan.temperature"
    assert await ScanLog.all().count() == 0


@pytest.mark.parametrize("temperature", [1e309, float("nan")])
async def test_a_number_json_cannot_hold_is_refused_with_the_body(
    client: TestClient, resident: WeChatUser, checkpoint: str, temperature: float
) -> None:
    """Infinity and NaN are not JSON numbers: the body is refused before any field is read."""
    token = await scanned_token(client, resident)
    error = await assert_error(
        await post_scan(client, checkpoint, {"token": token, "temperature": temperature}), 400
    )
    assert error["code"] == "api.number_out_of_range"
    assert await ScanLog.all().count() == 0


async def test_errors_speak_english_on_request(client: TestClient, checkpoint: str) -> None:
    response = await client.post(
        SCAN,
        json={"token": "HC1:ABC", "temperature": "hot"},
        headers={"Authorization": f"Bearer {checkpoint}", "Accept-Language": "en-US"},
    )
    error = await assert_error(response, 422)
    assert "temperature" in error["message"]


async def test_a_huge_body_is_refused_without_a_500(client: TestClient, checkpoint: str) -> None:
    response = await post_scan(client, checkpoint, {"token": "HC1:" + "A" * 200_000})
    assert response.status == 413
    await assert_error(response, 413)


async def test_other_methods_on_the_scan_path_are_json_errors(client: TestClient) -> None:
    response = await client.get(SCAN)
    await assert_error(response, 405)


# --- the scan log ----------------------------------------------------------------------------


async def test_every_scan_is_logged_with_who_where_and_what_was_seen(
    client: TestClient, resident: WeChatUser, checkpoint: str, clock: FakeClock
) -> None:
    token = await scanned_token(client, resident)
    await scan_ok(client, checkpoint, token=token, temperature=36.6, place="和平路地铁站 A 口")
    await scan_ok(client, checkpoint, token=token, temperature=37.8, place="和平路地铁站 A 口")
    await scan_ok(client, checkpoint, token="garbage")
    clock.advance(seconds=TOKEN_LIFETIME + SKEW + 1)
    await scan_ok(client, checkpoint, token=token, place="x" * 200)
    staff = await Staff.get(role="checkpoint")
    person = await Person.get()
    rows = await ScanLog.all().order_by("id")
    seen = [(r.staff_id, r.person_id, r.verdict, r.color, r.place, r.temperature) for r in rows]
    assert seen == [
        (staff.id, person.id, "pass", "green", "和平路地铁站 A 口", 36.6),
        (staff.id, person.id, "deny", "green", "和平路地铁站 A 口", 37.8),
        (staff.id, None, "invalid", None, None, None),
        (staff.id, None, "expired", None, "x" * 64, None),
    ]
    assert rows[-1].created_at == clock()


async def test_each_worker_is_logged_as_themselves(
    client: TestClient, resident: WeChatUser, checkpoint: str
) -> None:
    other, other_token = await add_staff("检查员丙", "checkpoint")
    token = await scanned_token(client, resident)
    await scan_ok(client, checkpoint, token=token)
    await scan_ok(client, other_token, token=token)
    staff_ids = await ScanLog.all().order_by("id").values_list("staff_id", flat=True)
    first = await Staff.get(name="检查员甲")
    assert staff_ids == [first.id, other.id]


# --- published keys and operations -----------------------------------------------------------


async def test_the_published_keys_verify_a_scanned_token(
    client: TestClient, resident: WeChatUser
) -> None:
    token = await scanned_token(client, resident)
    response = await client.get("/.well-known/health-code-keys")
    assert response.status == 200 and response.content_type == "application/json"
    keys = (await response.json())["keys"]
    assert keys
    by_kid = {}
    for jwk in keys:
        assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
        assert "d" not in jwk  # never the private half
        raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
        assert len(raw) == 32
        assert jwk["kid"] == kid_of(raw).hex()
        by_kid[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(raw)
    signed = base45.b45decode(token.removeprefix(PREFIX))
    payload, signature = signed[:-64], signed[-64:]
    kid = payload[1:9].hex()
    assert kid in by_kid
    by_kid[kid].verify(signature, PREFIX.encode() + payload)  # raises if it does not verify


async def test_healthz_and_metrics(client: TestClient) -> None:
    health = await client.get("/healthz")
    assert health.status == 200
    assert (await health.json())["status"] == "ok"
    metrics = await client.get("/metrics")
    assert metrics.status == 200
    assert metrics.content_type == "text/plain"
    assert "# HELP" in await metrics.text()


async def test_metrics_show_the_outbox_backlog(client: TestClient, clock: FakeClock) -> None:
    """What an operator alerts on: notices waiting, and for how long the oldest has waited."""
    account = await Account.create(channel="mp", openid="o-metrics")
    now = clock()
    rows = [
        ("a", "pending", now - timedelta(seconds=90), 2),  # a reminder: claimed last
        ("e", "pending", now - timedelta(seconds=10), 0),
        ("b", "pending", now + timedelta(seconds=30), 1),  # not due yet: not waiting
        ("c", "sending", now + timedelta(seconds=60), 1),
        ("d", "sent", now - timedelta(hours=5), 1),  # delivered long ago: not counted
    ]
    for key, status, due, priority in rows:
        await Notice.create(
            dedupe_key=key,
            account=account,
            kind="text",
            status=status,
            priority=priority,
            due_at=due,
            created_at=now,
        )
    text = await (await client.get("/metrics")).text()
    assert 'healthcode_outbox_notices{status="pending"} 3.0' in text
    assert 'healthcode_outbox_notices{status="sending"} 1.0' in text
    assert "healthcode_outbox_oldest_due_seconds 90.0" in text
    await Notice.filter(status="pending").update(status="sent")
    text = await (await client.get("/metrics")).text()
    assert "healthcode_outbox_oldest_due_seconds 0.0" in text
