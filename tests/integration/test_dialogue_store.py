"""One contract over every dialogue store: the memory one and the Tortoise one."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation.store import Dialogue, MemoryDialogueStore, TortoiseDialogueStore
from bot.health.sealing import Sealer
from bot.services.housekeeping.purge import purge
from bot.services.runtime import Runtime
from models.dialogue import DialogueState
from models.person import Account
from tests.support.clock import FakeClock

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
IDLE = timedelta(minutes=30)


@pytest.fixture(params=["memory", "tortoise"])
async def store_and_account(request, db: str):
    account = await Account.create(channel="mp", openid="o-store")
    if request.param == "memory":
        return MemoryDialogueStore(IDLE), account.id
    return TortoiseDialogueStore(Sealer(bytes(32)), IDLE), account.id


async def test_a_saved_dialogue_comes_back(store_and_account) -> None:
    store, account_id = store_and_account
    assert await store.get(account_id, NOW) is None
    await store.set(account_id, Dialogue("declare", "phone", {"name": "张三"}), NOW)
    again = await store.get(account_id, NOW + timedelta(minutes=29))
    assert again == Dialogue("declare", "phone", {"name": "张三"})


async def test_a_later_save_replaces_the_earlier(store_and_account) -> None:
    store, account_id = store_and_account
    await store.set(account_id, Dialogue("declare", "name"), NOW)
    await store.set(account_id, Dialogue("declare", "doc_type", {"name": "李四"}), NOW)
    assert (await store.get(account_id, NOW)).step == "doc_type"


async def test_a_dialogue_expires_after_idle_minutes(store_and_account) -> None:
    store, account_id = store_and_account
    await store.set(account_id, Dialogue("declare", "name"), NOW)
    assert await store.get(account_id, NOW + IDLE) is None


async def test_clear_forgets_it(store_and_account) -> None:
    store, account_id = store_and_account
    await store.set(account_id, Dialogue("declare", "name"), NOW)
    await store.clear(account_id)
    assert await store.get(account_id, NOW) is None


async def test_answers_are_sealed_at_rest(db: str) -> None:
    account = await Account.create(channel="mp", openid="o-sealed")
    store = TortoiseDialogueStore(Sealer(bytes(32)), IDLE)
    await store.set(account.id, Dialogue("declare", "phone", {"doc": "11010519491231002X"}), NOW)
    row = await DialogueState.get(account_id=account.id)
    assert "11010519491231002X" not in row.data and "1002X" not in row.data


async def test_an_expiry_written_by_the_store_reads_back_as_the_same_moment(db: str) -> None:
    """The store writes its own SQL; Tortoise's model reads the row as the moment saved."""
    account = await Account.create(channel="mp", openid="o-moment")
    store = TortoiseDialogueStore(Sealer(bytes(32)), IDLE)
    saved_at = NOW.replace(microsecond=123456)
    await store.set(account.id, Dialogue("declare", "phone", {"name": "张三"}), saved_at)
    row = await DialogueState.get(account_id=account.id)
    assert row.expires_at == saved_at + IDLE and (row.flow, row.step) == ("declare", "phone")


async def test_a_dialogue_saved_again_keeps_its_one_row(db: str) -> None:
    account = await Account.create(channel="mp", openid="o-one-row")
    store = TortoiseDialogueStore(Sealer(bytes(32)), IDLE)
    for step in ("name", "doc_type", "doc_number"):
        await store.set(account.id, Dialogue("declare", step), NOW)
    assert await DialogueState.filter(account_id=account.id).count() == 1


async def test_lapsed_is_told_apart_from_open_and_from_none(db: str) -> None:
    """Compared in SQL against the moment the store wrote, on each database's own spelling."""
    account = await Account.create(channel="mp", openid="o-lapsed")
    store = TortoiseDialogueStore(Sealer(bytes(32)), IDLE)
    assert not await store.lapsed(account.id, NOW)
    await store.set(account.id, Dialogue("declare", "name"), NOW)
    assert not await store.lapsed(account.id, NOW + IDLE - timedelta(microseconds=1))
    assert await store.lapsed(account.id, NOW + IDLE)
    await store.clear(account.id)
    assert not await store.lapsed(account.id, NOW + IDLE)


async def test_the_purge_finds_a_dialogue_the_store_wrote(rt: Runtime, clock: FakeClock) -> None:
    """The purge (Tortoise's query) compares the expiry the store wrote (its own SQL)."""
    account = await Account.create(channel="mp", openid="o-purged")
    store = TortoiseDialogueStore(Sealer(bytes(32)), IDLE)
    await store.set(account.id, Dialogue("declare", "name"), clock())
    clock.advance(minutes=30 + 24 * 60 - 1)
    assert (await purge(rt)).dialogues == 0
    clock.advance(minutes=2)
    assert (await purge(rt)).dialogues == 1
    assert not await DialogueState.exists(account_id=account.id)
