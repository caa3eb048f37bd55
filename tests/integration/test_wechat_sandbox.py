"""The WeChat sandbox of development: the real wechatpy client (``WeChatGateway``) sends to it
over HTTP, and it keeps what a WeChat user would have received (docs/development.md)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from bot.health.colors import Color
from bot.health.qr import render_png
from bot.wechat import WeChatError, WeChatGateway, WeChatPermanentError
from bot.wechat.sandbox import Sandbox, Upload
from bot.wechat.sandbox_api import sandbox_api, sandbox_openid
from tests.support.qr import qr_codes

OFFICIAL = ("wxsandboxofficial0", "official-secret")
MINIAPP = ("wxsandboxminiapp00", "miniapp-secret")
OPENID = "o-sandbox-resident"
TOKEN = "HC1:6BFOXN*TS0BI$ZD8UHH:G.8ON$FX2R1HV1"


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[Sandbox, str]]:
    """The sandbox's API on a free loopback port, and its root URL."""
    kept = Sandbox()
    server = TestServer(sandbox_api(kept, OFFICIAL, MINIAPP), host="127.0.0.1")
    await server.start_server()
    try:
        yield kept, str(server.make_url("/"))
    finally:
        await server.close()


@pytest.fixture
async def gateway(sandbox: tuple[Sandbox, str]) -> AsyncIterator[WeChatGateway]:
    gateway = WeChatGateway(*OFFICIAL, sandbox[1], *MINIAPP)
    yield gateway
    await gateway.close()


def kept_messages(sandbox: Sandbox, openid: str = OPENID) -> list[dict]:
    return [
        {k: v for k, v in m.items() if k not in ("id", "at")}
        for m in sandbox.shown(sandbox.messages_for(openid))
    ]


async def test_a_customer_service_text_is_kept_for_its_openid(
    sandbox: tuple[Sandbox, str], gateway: WeChatGateway
) -> None:
    await gateway.send_text(OPENID, "您的健康码已变为橙码")
    await gateway.send_text("o-someone-else", "另一条")

    assert kept_messages(sandbox[0]) == [{"kind": "text", "text": "您的健康码已变为橙码"}]


async def test_an_uploaded_image_is_kept_whole_and_still_scans(
    sandbox: tuple[Sandbox, str], gateway: WeChatGateway
) -> None:
    png = render_png(TOKEN, Color.GREEN)
    media_id = await gateway.upload_image(png)
    await gateway.send_image(OPENID, media_id)

    [shown] = kept_messages(sandbox[0])
    assert (shown["kind"], shown["media_id"], shown["content_type"]) == (
        "image",
        media_id,
        "image/png",
    )
    data = base64.b64decode(shown["data_base64"])
    assert data == png
    assert [code.text for code in qr_codes(data)] == [TOKEN]


async def test_template_and_subscribe_messages_are_kept_as_their_fields(
    sandbox: tuple[Sandbox, str], gateway: WeChatGateway
) -> None:
    await gateway.send_template(
        OPENID, "TPL-CODE", {"first": "健康码变更", "keyword2": "绿码 → 橙码"}, "http://x/c/1"
    )
    await gateway.send_subscribe(OPENID, "SUB-CODE", {"thing1": "王**", "time3": "12:00"}, "p/i")

    assert kept_messages(sandbox[0]) == [
        {
            "kind": "template",
            "template_id": "TPL-CODE",
            "data": {"first": "健康码变更", "keyword2": "绿码 → 橙码"},
            "url": "http://x/c/1",
        },
        {
            "kind": "subscribe",
            "template_id": "SUB-CODE",
            "data": {"thing1": "王**", "time3": "12:00"},
            "page": "p/i",
        },
    ]


async def test_a_mass_send_reaches_every_openid_once(
    sandbox: tuple[Sandbox, str], gateway: WeChatGateway
) -> None:
    await gateway.mass_send_text([OPENID, "o-b", OPENID], "明日起测温")

    for openid in (OPENID, "o-b"):
        assert kept_messages(sandbox[0], openid) == [{"kind": "mass", "text": "明日起测温"}]


async def test_a_mini_program_login_code_stands_for_one_openid(gateway: WeChatGateway) -> None:
    first = await gateway.code_to_session("alice")
    again = await gateway.code_to_session("alice")

    assert first.openid == again.openid == sandbox_openid("alice")
    assert (await gateway.code_to_session("bob")).openid != first.openid


async def test_what_wechat_refuses_the_sandbox_refuses_too(
    sandbox: tuple[Sandbox, str], gateway: WeChatGateway
) -> None:
    with pytest.raises(WeChatPermanentError) as not_an_image:
        await gateway.upload_image(b"plain text")
    with pytest.raises(WeChatPermanentError) as unknown_media:
        await gateway.send_image(OPENID, "SANDBOX_MEDIA_never-uploaded")

    assert (not_an_image.value.errcode, unknown_media.value.errcode) == (40005, 40007)
    assert sandbox[0].messages_for(OPENID) == []


async def test_a_wrong_secret_gets_no_token(sandbox: tuple[Sandbox, str]) -> None:
    intruder = WeChatGateway(OFFICIAL[0], "not-the-secret", sandbox[1])
    try:
        with pytest.raises(WeChatError) as refused:
            await intruder.send_text(OPENID, "hi")
    finally:
        await intruder.close()

    assert refused.value.errcode == 40125
    assert sandbox[0].messages_for(OPENID) == []


# --- bounded memory and the long poll -------------------------------------------------------


def test_each_openid_keeps_only_its_last_messages() -> None:
    sandbox = Sandbox(per_openid=3, openids=2)
    for n in range(5):
        sandbox.record("o-a", "text", text=f"a{n}")
    sandbox.record("o-b", "text", text="b")
    sandbox.record("o-c", "text", text="c")  # a third openid: the least recent one goes

    assert [m.body["text"] for m in sandbox.messages_for("o-a")] == []
    assert [m.body["text"] for m in sandbox.messages_for("o-b")] == ["b"]
    assert sandbox.last_id == 7
    sandbox.record("o-b", "text", text="b2")
    sandbox.record("o-d", "text", text="d")  # o-b wrote last: o-c goes
    assert [m.body["text"] for m in sandbox.messages_for("o-b")] == ["b", "b2"]
    assert sandbox.messages_for("o-c") == []


def test_only_the_last_uploads_are_kept() -> None:
    sandbox = Sandbox(uploads=2)
    for n in range(3):
        sandbox.keep_upload(Upload(f"m{n}", "image/png", b"\x89PNG"))
    sandbox.record(OPENID, "image", media_id="m0")

    assert [sandbox.has_upload(f"m{n}") for n in range(3)] == [False, True, True]
    # a message whose image was forgotten still shows, without the image
    [shown] = sandbox.shown(sandbox.messages_for(OPENID))
    assert shown["data_base64"] is None


async def test_a_poll_returns_as_soon_as_a_message_arrives() -> None:
    sandbox = Sandbox()
    sandbox.record(OPENID, "text", text="old")
    cursor = sandbox.last_id
    waiting = asyncio.create_task(sandbox.wait_for(OPENID, cursor, 20))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    sandbox.record("o-other", "text", text="not for this poll")
    await asyncio.sleep(0.05)
    assert not waiting.done()

    sandbox.record(OPENID, "text", text="new")

    [message] = await asyncio.wait_for(waiting, 2)
    assert message.body["text"] == "new"


async def test_closing_answers_every_waiting_poll_at_once() -> None:
    sandbox = Sandbox()
    waiting = asyncio.create_task(sandbox.wait_for(OPENID, 0, 20))
    await asyncio.sleep(0.05)

    sandbox.close()

    assert await asyncio.wait_for(waiting, 2) == []
