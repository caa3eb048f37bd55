"""Fixtures of the integration tier: a runtime for the scheduled jobs (no web app) on a
migrated database, and a WeChat gateway aimed at the fake API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services.district_table import ensure_districts
from bot.services.runtime import Runtime, build_runtime
from bot.wechat import WeChatGateway
from tests.fakes.wechat_api import FakeWeChat
from tests.support.clock import FakeClock
from tests.support.jobs import job_settings


@pytest.fixture
async def rt(db: str, tmp_path: Path, clock: FakeClock, fake_wechat: FakeWeChat) -> Runtime:
    runtime = build_runtime(job_settings(tmp_path, db, fake_wechat), clock)
    await ensure_districts(runtime)
    return runtime


@pytest.fixture
async def gateway(rt: Runtime) -> AsyncIterator[WeChatGateway]:
    s = rt.settings
    gw = WeChatGateway(
        s.wechat_appid, s.wechat_secret, s.wechat_api_base, s.miniapp_appid, s.miniapp_secret
    )
    yield gw
    await gw.close()
