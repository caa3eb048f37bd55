"""What the tests of the scheduled jobs share: a runtime's settings aimed at the fake WeChat
API, settings changed on a live runtime, and a person's quarantine and code."""

from __future__ import annotations

import dataclasses
import secrets
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.services.codes.decisions import redecide
from bot.services.notices.outbox import queue_text
from bot.services.runtime import Runtime
from bot.settings import Schedules, Settings
from models.authority import AuthorityRecord
from models.code import HealthCode
from models.person import Account, Person
from tests.fakes.wechat_api import (
    MINIAPP_APPID,
    MINIAPP_SECRET,
    OFFICIAL_APPID,
    OFFICIAL_SECRET,
    FakeWeChat,
)


def job_settings(tmp_path: Path, database_url: str, fake: FakeWeChat, **changes) -> Settings:
    base = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "public_base_url": "http://testserver",
        "wechat_appid": OFFICIAL_APPID,
        "wechat_secret": OFFICIAL_SECRET,
        "miniapp_appid": MINIAPP_APPID,
        "miniapp_secret": MINIAPP_SECRET,
        "wechat_api_base": fake.base_url,
        "run_scheduler": False,
    }
    return Settings(**(base | changes))


def configure(rt: Runtime, **changes) -> None:
    """Change settings (and the schedules' among them) of a runtime in use."""
    schedules = {k: changes.pop(k) for k in list(changes) if hasattr(Schedules, k)}
    settings = dataclasses.replace(rt.settings, **changes)
    rt.settings = dataclasses.replace(
        settings, schedules=dataclasses.replace(settings.schedules, **schedules)
    )


def local_midnight(rt: Runtime, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=rt.ruleset.tz)


def today(rt: Runtime) -> date:
    return rt.now().astimezone(rt.ruleset.tz).date()


async def quarantine(rt: Runtime, person: Person, last_day: date) -> None:
    """A quarantine through ``last_day``, stored as a feed stores days: from the midnight that
    starts its first day to the one that ends its last."""
    now = rt.now()
    await AuthorityRecord.create(
        source="cdc",
        record_id=secrets.token_hex(4),
        doc_lookup=person.doc_lookup,
        person_id=person.id,
        status="quarantine",
        since=local_midnight(rt, last_day - timedelta(days=13)),
        until=local_midnight(rt, last_day + timedelta(days=1)),
        created_at=now,
        updated_at=now,
    )
    await redecide(rt, person, "feed")


async def code_of(person: Person) -> HealthCode:
    return await HealthCode.get(person_id=person.id)


async def texts_to_followers(rt: Runtime, prefix: str, count: int) -> None:
    """``count`` followers who wrote just now, each with a text queued: 第0条, 第1条, …"""
    for n in range(count):
        account = await Account.create(
            channel="mp", openid=f"o-{prefix}{n}", last_message_at=rt.now()
        )
        await queue_text(rt, account.id, f"第{n}条", f"{prefix}{n}")
