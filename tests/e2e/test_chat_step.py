"""What one chat step does to the database: the account it touches, and what a text in the
middle of a dialogue costs (bench/README.md, the chat step), counted in the statements
Tortoise's client logs on each backend, and on SQLite in what the database itself was given to
execute, transactions included, and on which thread."""

from __future__ import annotations

import logging
import threading

import pytest
from aiohttp.test_utils import TestClient
from tortoise import connections

from models.person import Account
from tests.support.clock import FakeClock
from tests.support.wechat_user import WeChatUser

REASK = "【2/9】"  # the document-type step, asked again after a choice it does not have
# lock and touch the account, the dedup record (and nonce), read and save the dialogue,
# record the reply
STEP_STATEMENTS = 5


@pytest.fixture
async def at_document_type(resident: WeChatUser) -> WeChatUser:
    await resident.converse("申领", "张三")
    return resident


async def test_a_dialogue_step_runs_a_fixed_number_of_statements(
    at_document_type: WeChatUser, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        reply = await at_document_type.say("9")
    assert REASK in reply
    assert len(_statements(caplog)) == STEP_STATEMENTS, "\n".join(_statements(caplog))


async def test_a_dialogue_step_is_one_transaction_on_sqlite(
    client: TestClient, at_document_type: WeChatUser
) -> None:
    connection = connections.get("default")
    if connection.capabilities.dialect != "sqlite":
        pytest.skip("SQLite's own trace of what it ran")
    executed: list[tuple[str, bool]] = []
    raw = connection._connection  # aiosqlite's: its trace sees BEGIN and COMMIT too

    def trace(sql: str) -> None:  # called on the thread that runs the statement
        executed.append((sql, threading.current_thread() is threading.main_thread()))

    raw.commits = 0  # not the one commit in CHECKPOINT_EVERY that goes to aiosqlite's thread
    await raw.set_trace_callback(trace)
    try:
        reply = await at_document_type.say("9")
    finally:
        await raw.set_trace_callback(None)
    assert REASK in reply
    # the settings a statement on the loop's thread runs with (bot/sqlite_client.py) aside
    statements = [(sql, here) for sql, here in executed if not sql.startswith("PRAGMA")]
    words = [sql.split(None, 1)[0].upper() for sql, _ in statements]
    assert words[0] == "BEGIN" and words[-1] == "COMMIT", executed
    assert words.count("BEGIN") == 1 and words.count("COMMIT") == 1, executed
    assert len(words) == STEP_STATEMENTS + 2, executed
    # none of them handed to aiosqlite's thread and back
    assert all(here for _, here in statements), executed


async def test_a_message_starts_the_accounts_service_window_again(
    resident: WeChatUser, clock: FakeClock
) -> None:
    await resident.say("帮助")  # first contact: the account is made and touched
    assert (await Account.get(openid=resident.openid)).last_message_at == clock()
    clock.advance(hours=30)
    await resident.say("帮助")
    assert (await Account.get(openid=resident.openid)).last_message_at == clock()


async def test_a_retry_answered_from_its_record_leaves_the_account_as_it_was(
    at_document_type: WeChatUser, clock: FakeClock
) -> None:
    first = await at_document_type.say("9", msg_id=4242)
    touched = (await Account.get(openid=at_document_type.openid)).last_message_at
    clock.advance(seconds=5)
    assert await at_document_type.say("9", msg_id=4242) == first
    assert (await Account.get(openid=at_document_type.openid)).last_message_at == touched


def _statements(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tortoise.db_client"]
