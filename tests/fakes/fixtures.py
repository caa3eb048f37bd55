"""pytest fixtures for the fakes; the root conftest imports them."""

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from tests.fakes.wechat_api import FakeWeChat


@pytest.fixture
async def fake_wechat() -> AsyncIterator[FakeWeChat]:
    """The fake WeChat API on a free loopback port; `.base_url` is its root."""
    fake = FakeWeChat()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("/"))
    try:
        yield fake
    finally:
        await server.close()
