"""A server configured as Beijing (HC_REGION=110000) says Beijing: the chat, the code page and
the tokens it signs; a bad region stops the start with a sentence (docs/regions.md)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import base45
import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import CODEC
from bot.health.tokens import PREFIX
from bot.regions import RegionError
from bot.services.district_table import ensure_districts
from bot.services.runtime import build_runtime
from bot.settings import Settings
from models.district import District
from tests.conftest import start_app
from tests.support.chat import GREEN_ANSWERS, declare
from tests.support.cli import run_bot
from tests.support.clock import FakeClock
from tests.support.processes import free_port
from tests.support.scans import LINK, qr_token
from tests.support.wechat_user import WeChatUser

HAIDIAN = "6"


def free() -> str:
    """A free port: a start that should have been refused must not take anyone's."""
    return str(free_port())  # the sixth of Beijing's districts in adcode order


@pytest.fixture
async def beijing(aiohttp_client, settings: Settings, clock: FakeClock) -> TestClient:
    return await start_app(
        aiohttp_client, dataclasses.replace(settings, region_adcode=110000), clock
    )


def region_of(token: str) -> int:
    raw = base45.b45decode(token.removeprefix(PREFIX))
    return int.from_bytes(raw[9:12], "big")


async def test_a_beijing_server_says_beijing_everywhere(beijing: TestClient) -> None:
    user = WeChatUser(beijing, beijing.app[CODEC], "o-beijing-1")
    welcome = await user.event("subscribe")
    assert "北京健康码服务" in welcome and "12345" in welcome and "天津" not in welcome
    await user.say("申领")
    asked = await user.converse(*GREEN_ANSWERS[:4])
    assert "1 东城区" in asked[-1] and "6 海淀区" in asked[-1] and "16 延庆区" in asked[-1]
    reply = await declare(user, [*GREEN_ANSWERS[:4], HAIDIAN, *GREEN_ANSWERS[5:]])
    assert "绿码" in reply
    ticket = LINK.search(reply)[1]
    page = await (await beijing.get(f"/c/{ticket}")).text()
    assert "<title>北京健康码</title>" in page and "海淀区" in page and "天津" not in page
    english = await (await beijing.get(f"/c/{ticket}?lang=en")).text()
    assert "<title>Beijing Health Code</title>" in english
    assert region_of(await qr_token(beijing, ticket)) == 110000
    assert await District.filter(adcode__startswith="1201").count() == 0


async def test_a_region_without_a_faq_answers_no_question_from_another_regions(
    beijing: TestClient,
) -> None:
    user = WeChatUser(beijing, beijing.app[CODEC], "o-beijing-faq")
    reply = await user.say("截图的绿码能用吗")  # Tianjin's FAQ answers this one
    assert "暂时回答不了" in reply and "12345" in reply
    assert "天津" not in reply and "答疑" not in reply


async def test_a_tianjin_server_still_says_tianjin(
    client: TestClient, resident: WeChatUser
) -> None:
    assert "天津健康码服务" in await resident.event("subscribe")
    ticket = LINK.search(await declare(resident, GREEN_ANSWERS))[1]
    assert "<title>天津健康码</title>" in await (await client.get(f"/c/{ticket}")).text()
    assert region_of(await qr_token(client, ticket)) == 120000
    assert "天津健康码答疑" in await resident.say("截图的绿码能用吗")  # its FAQ, as before


async def test_a_database_of_another_region_stops_the_start(db: str, tmp_path: Path) -> None:
    await ensure_districts(build_runtime(Settings(data_dir=tmp_path, database_url=db)))
    beijing = build_runtime(Settings(data_dir=tmp_path, database_url=db, region_adcode=110000))
    with pytest.raises(RegionError, match=r"districts of another region \(120101, 120102"):
        await ensure_districts(beijing)
    # and the server says so and exits (its database closed: nothing keeps it running)
    done = run_bot(
        "serve", data_dir=tmp_path / "data", database_url=db, HC_REGION="110000", PORT=free()
    )
    assert done.returncode == 2, done.stderr
    assert "configuration error: the database holds districts of another region" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"HC_REGION": "310000"}, "HC_REGION 310000 is not a bundled region"),
        ({"HC_REGION": "tianjin"}, "HC_REGION must be a whole number"),
        ({"HC_REGION_FILE": "/nowhere/region.toml"}, "HC_REGION_FILE /nowhere/region.toml"),
    ],
)
def test_a_bad_region_stops_serve_with_a_sentence(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    done = run_bot(
        "serve",
        data_dir=tmp_path / "data",
        database_url=f"sqlite://{tmp_path}/x.db",
        PORT=free(),
        **env,
    )
    assert done.returncode == 2, done.stderr
    assert re.search(f"configuration error: {re.escape(message)}", done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists()  # stopped before the migrations
