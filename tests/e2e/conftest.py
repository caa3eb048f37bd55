"""Fixtures of the end-to-end tier: staff with their bearer tokens, added through the same
service the ``add-staff`` command uses."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.services.access.staff import add_staff


@pytest.fixture
async def official(client: TestClient) -> str:
    _staff, token = await add_staff("官员乙", "official")
    return token


@pytest.fixture
async def checkpoint(client: TestClient) -> str:
    _staff, token = await add_staff("检查员甲", "checkpoint")
    return token
