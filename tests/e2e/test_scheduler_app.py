"""The scheduler starts with the web app (its cleanup context, after the ORM) and runs the
sender: a declaration's code image arrives with nobody calling the sender by hand."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from bot.app_state import CODEC
from bot.settings import Settings
from models.outbox import Notice
from tests.conftest import start_app
from tests.fakes.wechat_api import FakeWeChat
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.clock import FakeClock
from tests.support.wechat_user import WeChatUser

CUSTOM_SEND = "/cgi-bin/message/custom/send"


async def test_the_scheduler_starts_with_the_app_and_sends_the_outbox(
    aiohttp_client, settings: Settings, clock: FakeClock, fake_wechat: FakeWeChat
) -> None:
    settings = dataclasses.replace(
        settings,
        run_scheduler=True,
        outbox_interval_seconds=0.1,
        schedules=dataclasses.replace(settings.schedules, leader_retry_seconds=0.1),
    )
    client = await start_app(aiohttp_client, settings, clock)
    resident = WeChatUser(client, client.app[CODEC], "o-sched")
    reply = await declare(resident, GREEN_ANSWERS)
    assert "绿码" in reply

    deadline = time.monotonic() + 10
    while not fake_wechat.sent(CUSTOM_SEND) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    [image] = fake_wechat.sent(CUSTOM_SEND)
    assert image["touser"] == "o-sched" and image["msgtype"] == "image"
    deadline = time.monotonic() + 5
    while await Notice.filter(status="sent").count() < 1 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert [n.status for n in await Notice.all()] == ["sent"]
