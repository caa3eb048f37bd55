"""Fixtures of the end-to-end tier: staff with their bearer tokens, added through the same
service the ``add-staff`` command uses; a resident signed in to the mini-program."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.services.access.staff import add_staff
from tests.fakes.wechat_api import FakeWeChat
from tests.support.miniapp import MiniappUser, declaration


@pytest.fixture
async def official(client: TestClient) -> str:
    _staff, token = await add_staff("官员乙", "official")
    return token


@pytest.fixture
async def checkpoint(client: TestClient) -> str:
    _staff, token = await add_staff("检查员甲", "checkpoint")
    return token


@pytest.fixture
async def app_user(client: TestClient, fake_wechat: FakeWeChat) -> MiniappUser:
    """Signed in to the mini-program (``wx.login()``), nothing declared yet."""
    user = MiniappUser(client, fake_wechat, "mini-openid-1")
    await user.login()
    return user


@pytest.fixture
async def declared_app_user(app_user: MiniappUser) -> MiniappUser:
    """``app_user`` after declaring for themself (healthy: a green code)."""
    await app_user.declare(declaration())
    return app_user
