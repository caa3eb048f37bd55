"""Three regions as three real servers (issue 12): Tianjin and Beijing each trust the other's
published keys by URL and scan each other's codes, offline; Hebei's codes are refused where
nobody trusts them, and once trusted, refused again when the list goes stale until refreshed.

Tianjin runs on the test's database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set),
Beijing and Hebei on SQLite files of their own: one database serves one region.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from models.trust import TrustedRegion
from tests.fakes.wechat_api import MINIAPP_APPID, MINIAPP_SECRET, FakeWeChat
from tests.support.cli import run_bot
from tests.support.ids import VALID_ID
from tests.support.processes import Bot, bot_env, healthy, show_logs_on_failure, until

STAFF_TOKEN = re.compile(r"hc_[a-z]{2}_[A-Za-z0-9_-]{20,}")
KEYS = "/.well-known/health-code-keys"
CACHE_SECONDS = 0.2


@dataclass
class Region:
    adcode: int
    name: str
    district: int
    env: dict[str, str]
    server: Bot | None = None
    checkpoint: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['PORT']}"

    def cli(self, *args: str) -> str:
        done = run_bot(
            *args,
            data_dir=Path(self.env["HC_DATA_DIR"]),
            database_url=self.env["DATABASE_URL"],
            HC_REGION=str(self.adcode),
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    async def code(self, fake: FakeWeChat) -> str:
        """A resident declares through the mini-program; the token of their code."""
        login = secrets.token_hex(8)
        fake.add_session(login, f"o-{self.adcode}-{secrets.token_hex(4)}")
        async with aiohttp.ClientSession() as session:
            answer = await _json(
                session.post(f"{self.url}/api/miniapp/login", json={"code": login})
            )
            headers = {"Authorization": f"Bearer {answer['token']}"}
            body = {
                "name": "张三", "doc_type": "resident_id", "doc_number": VALID_ID,
                "phone": "13812345678", "district": self.district, "left_city": False,
                "symptoms": [], "contact": False,
            }  # fmt: skip
            await _json(session.post(f"{self.url}/api/miniapp/declarations", json=body,
                                     headers=headers), 201)  # fmt: skip
            code = await _json(session.get(f"{self.url}/api/miniapp/code", headers=headers))
        return code["token"]

    async def scan(self, token: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.checkpoint}"}
        async with aiohttp.ClientSession() as session:
            return await _json(
                session.post(f"{self.url}/api/checkpoint/scan", json={"token": token},
                             headers=headers)
            )  # fmt: skip


async def _json(request: Any, status: int = 200) -> dict[str, Any]:
    async with request as response:
        assert response.status == status, await response.text()
        return await response.json()


def region(tmp_path: Path, fake: FakeWeChat, adcode: int, name: str, district: int, db: str):
    env = bot_env(
        tmp_path / str(adcode),
        db,
        fake,
        HC_REGION=str(adcode),
        HC_RUN_SCHEDULER="0",
        HC_SCANS_PER_MINUTE="0",
        HC_TRUST_CACHE_SECONDS=str(CACHE_SECONDS),
        MINIAPP_APPID=MINIAPP_APPID,
        MINIAPP_SECRET=MINIAPP_SECRET,
    )
    return Region(adcode, name, district, env)


async def test_tianjin_and_beijing_scan_each_others_codes_and_hebei_is_refused(
    db: str, tmp_path: Path, fake_wechat: FakeWeChat
) -> None:
    tianjin = region(tmp_path, fake_wechat, 120000, "天津市", 120101, db)
    beijing = region(
        tmp_path, fake_wechat, 110000, "北京市", 110108, f"sqlite://{tmp_path}/beijing.sqlite3"
    )
    hebei = region(
        tmp_path, fake_wechat, 130000, "河北省", 130600, f"sqlite://{tmp_path}/hebei.sqlite3"
    )
    regions = (tianjin, beijing, hebei)
    try:
        for each in regions:
            each.server = await Bot.start("serve", each.env)
        for each in regions:
            await until(lambda each=each: healthy(each.url), 90, f"{each.name} to answer")
            each.checkpoint = STAFF_TOKEN.findall(
                each.cli("add-staff", "--name", "检查员", "--role", "checkpoint")
            )[0]
        tianjin.cli("trust", "add", "110000", beijing.url + KEYS)
        beijing.cli("trust", "add", "120000", tianjin.url + KEYS)
        listed = tianjin.cli("trust", "list")
        assert listed.startswith("110000 北京市 kids=") and beijing.url + KEYS in listed

        codes = {each.adcode: await each.code(fake_wechat) for each in regions}
        for scanner, issuer in ((tianjin, beijing), (beijing, tianjin)):
            seen = await scanner.scan(codes[issuer.adcode])
            assert seen["verdict"] == "pass" and seen["color"] == "green", seen
            assert seen["issuer"] == {"adcode": issuer.adcode, "name": issuer.name}
            assert seen["source"] == "signed" and seen["name"] is None
            own = await scanner.scan(codes[scanner.adcode])
            assert (own["source"], own["issuer"]["name"]) == ("live", scanner.name)

        for scanner in (tianjin, beijing):  # nobody trusts Hebei
            refused = await scanner.scan(codes[130000])
            assert (refused["verdict"], refused["reason"]) == ("invalid", "untrusted issuer")

        # Tianjin trusts Hebei; then its list goes stale (its expiry passes), and a refresh
        # makes it fresh again
        tianjin.cli("trust", "add", "130000", hebei.url + KEYS, "--days", "1")
        await asyncio.sleep(CACHE_SECONDS * 2)
        assert (await tianjin.scan(codes[130000]))["verdict"] == "pass"
        past = datetime.now(UTC) - timedelta(seconds=1)
        await TrustedRegion.filter(adcode=130000).update(expires_at=past)
        await asyncio.sleep(CACHE_SECONDS * 2)
        stale = await tianjin.scan(codes[130000])
        assert (stale["verdict"], stale["reason"]) == ("invalid", "stale trust list")
        assert "130000 refreshed from" in tianjin.cli("trust", "refresh")
        await asyncio.sleep(CACHE_SECONDS * 2)
        assert (await tianjin.scan(codes[130000]))["issuer"]["name"] == "河北省"

        # removed: refused within the cache's bound
        tianjin.cli("trust", "remove", "110000")
        await asyncio.sleep(CACHE_SECONDS * 2)
        gone = await tianjin.scan(codes[110000])
        assert (gone["verdict"], gone["reason"]) == ("invalid", "untrusted issuer")
    finally:
        for each in regions:
            if each.server is not None:
                await each.server.stop()
        show_logs_on_failure(*(each.server for each in regions if each.server))
