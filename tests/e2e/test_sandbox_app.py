"""The WeChat sandbox in the app: on in development without WeChat credentials, mounted on the
server's own port and read by ``GET /_sandbox/messages``; with credentials, absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, make_mocked_request

from bot.app import create_app
from bot.app_state import GATEWAY
from bot.settings import WECHAT_CREDENTIALS, Settings, SettingsError
from handlers.sandbox import from_this_machine, this_machine_only
from tests.fakes.wechat_api import FakeWeChat
from tests.support.cli import run_bot
from tests.support.clock import FakeClock
from tests.support.processes import free_port

CUSTOM = "/cgi-bin/message/custom/send"


@pytest.fixture
def sandbox_settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        host="127.0.0.1",
        port=free_port(),  # the gateway reaches the sandbox on the server's own port
        wechat_sandbox=True,
        run_scheduler=False,
        messages_per_minute=0,
        scans_per_minute=0,
    )


@pytest.fixture
async def sandboxed(aiohttp_client, sandbox_settings: Settings, clock: FakeClock) -> TestClient:
    app = create_app(sandbox_settings, clock)
    return await aiohttp_client(app, server_kwargs={"port": sandbox_settings.port})


async def test_what_the_server_sends_is_read_back_by_openid(sandboxed: TestClient) -> None:
    gateway = sandboxed.app[GATEWAY]
    await gateway.send_text("o-chat-a", "第一条")
    await gateway.send_text("o-chat-b", "别人的")
    await gateway.send_text("o-chat-a", "第二条")

    answer = await sandboxed.get("/_sandbox/messages", params={"openid": "o-chat-a"})
    body = await answer.json()

    assert answer.status == 200
    assert [(m["kind"], m["text"]) for m in body["messages"]] == [
        ("text", "第一条"),
        ("text", "第二条"),
    ]
    assert body["cursor"] == 3
    after = await sandboxed.get("/_sandbox/messages", params={"openid": "o-chat-a", "after": 3})
    assert (await after.json())["messages"] == []


async def test_a_long_poll_answers_when_the_message_is_sent(sandboxed: TestClient) -> None:
    import asyncio

    poll = asyncio.create_task(
        sandboxed.get("/_sandbox/messages", params={"openid": "o-poll", "after": 0, "wait": 10})
    )
    await asyncio.sleep(0.2)
    assert not poll.done()

    await sandboxed.app[GATEWAY].send_text("o-poll", "来了")

    answer = await asyncio.wait_for(poll, 5)
    assert [m["text"] for m in (await answer.json())["messages"]] == ["来了"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "openid"),
        ({"openid": "o x"}, "openid"),
        ({"openid": "o-" + "x" * 70}, "openid"),
        ({"openid": "o-a", "after": "last"}, "after"),
        ({"openid": "o-a", "after": "-1"}, "after"),
        ({"openid": "o-a", "wait": "nan"}, "wait"),
        ({"openid": "o-a", "wait": "-2"}, "wait"),
    ],
)
async def test_a_bad_poll_is_told_which_field(
    sandboxed: TestClient, query: dict[str, str], field: str
) -> None:
    answer = await sandboxed.get("/_sandbox/messages", params=query)

    assert answer.status == 422
    assert (await answer.json())["error"]["field"] == field


def test_only_this_machine_may_read_or_send(sandbox_settings: Settings) -> None:
    app = create_app(sandbox_settings)

    def caller(address: str) -> bool:
        request = make_mocked_request("GET", "/_sandbox/messages", app=app)
        request._transport_peername = (address, 40000)  # what aiohttp reads request.remote from
        return from_this_machine(request)

    assert caller("127.0.0.1") and caller("::1")
    assert not caller("10.1.2.3") and not caller("192.168.1.20")


async def test_the_sandbox_api_refuses_other_machines(sandbox_settings: Settings) -> None:
    app = create_app(sandbox_settings)
    request = make_mocked_request("POST", "/_sandbox/wechat/cgi-bin/stable_token", app=app)
    request._transport_peername = ("10.1.2.3", 40000)

    async def never(_request):  # the sandbox's handler must not be reached
        raise AssertionError("reached")

    answer = await this_machine_only(request, never)

    assert answer.status == 403


# --- with credentials, nothing of it ------------------------------------------------------------


async def test_with_credentials_there_is_no_sandbox(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    for path in ("/_sandbox/messages?openid=o-a", "/_sandbox/wechat/cgi-bin/stable_token"):
        assert (await client.get(path)).status == 404
    assert (await client.post("/_sandbox/wechat/cgi-bin/message/custom/send")).status in (404, 405)

    await client.app[GATEWAY].send_text("o-real", "走真正的接口")

    assert fake_wechat.sent(CUSTOM) == [
        {"touser": "o-real", "msgtype": "text", "text": {"content": "走真正的接口"}}
    ]


def test_the_sandbox_is_on_only_without_any_credential() -> None:
    assert Settings.from_env({}).wechat_sandbox is True
    for variable in WECHAT_CREDENTIALS:
        assert Settings.from_env({variable: "x"}).wechat_sandbox is False, variable
    assert Settings.from_env({"WECHAT_APPID": "wx1", "HC_WECHAT_SANDBOX": "1"}).wechat_sandbox
    assert not Settings.from_env({"HC_WECHAT_SANDBOX": "0"}).wechat_sandbox
    with pytest.raises(SettingsError, match="HC_WECHAT_SANDBOX"):
        Settings.from_env({"HC_WECHAT_SANDBOX": "yes"})


def test_several_workers_cannot_share_the_sandbox(tmp_path: Path) -> None:
    done = run_bot(
        "serve",
        "--workers",
        "2",
        data_dir=tmp_path / "data",
        database_url=f"sqlite://{tmp_path}/x.sqlite3",
    )

    assert done.returncode == 2
    assert "WeChat sandbox" in done.stderr and "WECHAT_APPID" in done.stderr
