"""One contract over every dialogue store: the memory one and the Tortoise one."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation.store import Dialogue, MemoryDialogueStore, TortoiseDialogueStore
from bot.health.sealing import Sealer
from models.dialogue import DialogueState
from models.person import Account

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
