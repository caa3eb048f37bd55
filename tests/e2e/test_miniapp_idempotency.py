"""``POST /api/miniapp/declarations`` with an ``Idempotency-Key``: a retry, or several taps at
once, file one declaration and each gets the code it filed; the same key with another request is
refused; the key is the account's own."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from models.declaration import Declaration
from models.person import Person
from tests.fakes.wechat_api import FakeWeChat
from tests.support.ids import AUNT, CHILD
from tests.support.miniapp import MiniappUser, declaration, member, refusal


@pytest.fixture
async def app_user(client: TestClient, fake_wechat: FakeWeChat) -> MiniappUser:
    user = MiniappUser(client, fake_wechat, "mini-idempotent")
    await user.login()
    return user


async def declare(user: MiniappUser, body: dict[str, Any], key: str | None) -> tuple[int, Any]:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return await user.call("POST", "/declarations", json=body, headers=headers)


async def test_a_retry_with_the_same_key_files_nothing_twice(app_user: MiniappUser) -> None:
    first = await declare(app_user, declaration(), "tap-1")
    again = await declare(app_user, declaration(), "tap-1")

    assert (first[0], again[0]) == (201, 200)
    assert again[1]["person_id"] == first[1]["person_id"]
    assert again[1]["color"] == first[1]["color"] and again[1]["token"].startswith("HC1:")
    assert await Declaration.all().count() == 1


async def test_concurrent_duplicates_collapse_into_one(app_user: MiniappUser) -> None:
    answers = await asyncio.gather(*(declare(app_user, declaration(), "same") for _ in range(3)))

    assert sorted(status for status, _ in answers) == [200, 200, 201]
    assert len({answer["person_id"] for _, answer in answers}) == 1
    assert await Declaration.all().count() == 1 and await Person.all().count() == 1


async def test_concurrent_family_duplicates_collapse_into_one(app_user: MiniappUser) -> None:
    await declare(app_user, declaration(), None)
    child = member("张小宝", CHILD, relation="child")

    answers = await asyncio.gather(*(declare(app_user, child, "child-1") for _ in range(3)))

    assert sorted(status for status, _ in answers) == [200, 200, 201]
    assert await Declaration.all().count() == 2 and await Person.all().count() == 2


async def test_the_same_key_with_another_request_is_refused(app_user: MiniappUser) -> None:
    await declare(app_user, declaration(), "k")

    status, answer = await declare(app_user, declaration(symptoms=["cough"]), "k")

    assert status == 409 and refusal(answer, "miniapp.request_key_reused")
    assert await Declaration.all().count() == 1


async def test_without_a_key_each_request_is_a_declaration(app_user: MiniappUser) -> None:
    for _ in range(2):
        assert (await declare(app_user, declaration(), None))[0] == 201
    assert await Declaration.all().count() == 2


async def test_a_key_is_the_accounts_own(
    client: TestClient, fake_wechat: FakeWeChat, app_user: MiniappUser
) -> None:
    other = MiniappUser(client, fake_wechat, "mini-idempotent-2")
    await other.login()
    await declare(app_user, declaration(), "shared")

    status, answer = await declare(
        other, declaration(name="李四", doc_number=AUNT, phone="13912345678"), "shared"
    )

    assert status == 201 and answer["person_id"] != (await app_user.me())["person"]["person_id"]
    assert await Declaration.all().count() == 2


@pytest.mark.parametrize("key", ["", "   ", "x" * 65, "键", "a\tb"])
async def test_a_malformed_key_is_refused(app_user: MiniappUser, key: str) -> None:
    status, answer = await declare(app_user, declaration(), key)

    assert status == 422 and refusal(answer, "api.request_key", field="Idempotency-Key")
    assert await Declaration.all().count() == 0
