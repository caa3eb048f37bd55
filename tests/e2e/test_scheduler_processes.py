"""The scheduler as real processes against the fake WeChat API (in this test's process, on
loopback): a server killed with SIGKILL in the middle of a batch loses no notice and sends
again only what was in flight; of two scheduler processes one leads, and the other takes over
within seconds of the leader's death. On SQLite and, when TEST_POSTGRES_URL is set, PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import is_postgres
from models.outbox import Notice
from models.person import Account
from tests.fakes.wechat_api import FakeWeChat
from tests.support.processes import Bot, bot_env, show_logs_on_failure, until

CUSTOM_SEND = "/cgi-bin/message/custom/send"
LEADER = re.compile(r"scheduler: process (\d+) is the leader")


async def queue_texts(prefix: str, count: int) -> None:
    """``count`` text notices, each to its own follower who wrote a moment ago."""
    now = datetime.now(UTC)
    await Account.bulk_create(
        [Account(channel="mp", openid=f"o-{prefix}-{n}", last_message_at=now) for n in range(count)]
    )
    accounts = await Account.filter(openid__startswith=f"o-{prefix}-").values_list("id", "openid")
    await Notice.bulk_create(
        [
            Notice(
                dedupe_key=f"{prefix}:{openid}",
                account_id=account_id,
                kind="text",
                payload={"text": f"{prefix} {openid}"},
                due_at=now,
                created_at=now,
            )
            for account_id, openid in accounts
        ]
    )


def delivered(fake: FakeWeChat) -> Counter[str]:
    return Counter(body["text"]["content"] for body in fake.sent(CUSTOM_SEND))


async def test_a_server_killed_mid_batch_loses_nothing_and_resends_only_what_was_in_flight(
    db: str, tmp_path: Path, fake_wechat: FakeWeChat
) -> None:
    total = 300
    await queue_texts("kill", total)
    fake_wechat.delay(CUSTOM_SEND, 0.02)  # WeChat answers in 20 ms: batches take a while
    env = bot_env(tmp_path, db, fake_wechat)

    first = await Bot.start("serve", env)
    try:

        async def partly_sent() -> bool:
            assert first.process.returncode is None, first.log
            # 120: inside the third batch of 50, not at a batch's end
            return sum(delivered(fake_wechat).values()) >= 120

        await until(partly_sent, 60, "the first 120 notices", step=0.01)
        await first.kill()
    finally:
        await first.stop()
        show_logs_on_failure(first)
    await asyncio.sleep(0.3)  # requests WeChat had already received get their answers

    got_before = delivered(fake_wechat)
    rows = dict(await Notice.all().values_list("id", "status"))
    sending = [row_id for row_id, status in rows.items() if status == "sending"]
    sent_rows = {
        row["payload"]["text"] for row in await Notice.filter(status="sent").values("payload")
    }
    in_flight = set(got_before) - sent_rows  # WeChat has them, the database does not know
    assert sending, "the kill was meant to land in the middle of a batch"
    assert len(in_flight) <= 4  # at most one per account being served (concurrency 4)

    second = await Bot.start("serve", env)
    try:

        async def all_sent() -> bool:
            assert second.process.returncode is None, second.log
            return await Notice.filter(status="sent").count() == total

        await until(all_sent, 60, "every notice marked sent", step=0.2)
    finally:
        await second.stop()
        show_logs_on_failure(second)

    counts = delivered(fake_wechat)
    duplicates = {text for text, n in counts.items() if n > 1}
    assert len(counts) == total  # every notice arrived
    assert max(counts.values()) <= 2
    assert duplicates == in_flight  # and only the rows in flight at the kill arrived twice
    print(
        f"\nkill test ({'postgres' if is_postgres(db) else 'sqlite'}): {total} notices, "
        f"{len(got_before)} delivered before the kill, {len(sending)} rows claimed at the kill, "
        f"{len(in_flight)} in flight, {len(counts)} delivered in the end, "
        f"{len(duplicates)} duplicates"
    )


async def test_of_two_scheduler_processes_one_leads_and_the_other_takes_over(
    db: str, tmp_path: Path, fake_wechat: FakeWeChat
) -> None:
    env = bot_env(tmp_path, db, fake_wechat)
    bots = [await Bot.start("scheduler", env) for _ in range(2)]
    try:

        async def one_leads() -> bool:
            return any(bot.found(LEADER) for bot in bots)

        await until(one_leads, 60, "a leader")
        await queue_texts("before", 10)
        await until(lambda: _count_sent(10), 30, "the leader's sending")
        await asyncio.sleep(2.5)  # more than a retry interval: the other still waits
        leaders = [bot for bot in bots if bot.found(LEADER)]
        assert len(leaders) == 1, [bot.log for bot in bots]
        [leader] = leaders
        [waiting] = [bot for bot in bots if bot is not leader]
        assert int(leader.found(LEADER)[1][1]) == leader.process.pid
        if is_postgres(db):
            assert await _postgres_lock_holders() == 1

        killed_at = await leader.kill()

        async def taken_over() -> bool:
            return waiting.found(LEADER) is not None

        await until(taken_over, 15, "the other process to take over")
        takeover = waiting.found(LEADER)[0] - killed_at
        await queue_texts("after", 10)
        await until(lambda: _count_sent(20), 30, "the new leader's sending")
        assert takeover < 5
        print(
            f"\nleader takeover ({'postgres' if is_postgres(db) else 'sqlite'}): "
            f"{takeover:.2f} s after SIGKILL"
        )
    finally:
        for bot in bots:
            await bot.stop()
        show_logs_on_failure(*bots)
    assert "stopped leading" in waiting.log, waiting.log  # the survivor let go on SIGTERM


async def _count_sent(expected: int) -> bool:
    return await Notice.filter(status="sent").count() >= expected


async def _postgres_lock_holders() -> int:
    import asyncpg

    from schedules.leader import asyncpg_dsn
    from tests.support import databases
    from tests.support.leader_lock import lock_holders

    conn = await asyncpg.connect(asyncpg_dsn(databases.POSTGRES_URL))
    try:
        return len(await lock_holders(conn))
    finally:
        await conn.close()


pytestmark = pytest.mark.db
