"""``GET /api/miniapp/faq``: the entries in the account's language, and ``?q=`` the best
match with its confidence, or none with the hotline; what finds no answer is kept masked."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from bot.services.runtime import Runtime
from models.faq import UnansweredQuestion
from tests.fakes.wechat_api import FakeWeChat
from tests.support.miniapp import MiniappUser


@pytest.fixture
async def user(client: TestClient, fake_wechat: FakeWeChat) -> MiniappUser:
    user = MiniappUser(client, fake_wechat, "o-miniapp-faq")
    await user.login()
    return user


async def test_the_list_has_every_entry_in_the_accounts_language(
    client: TestClient, fake_wechat: FakeWeChat, user: MiniappUser
) -> None:
    status, listed = await user.call("GET", "/faq")
    assert status == 200
    assert listed["name"] == "天津健康码答疑" and listed["hotline"] == "88908890"
    assert len(listed["entries"]) == 33
    shots = next(e for e in listed["entries"] if e["id"] == "screenshot")
    assert shots["faq_questions"] == [8, 20] and shots["source"] == "天津健康码答疑 第8、20问"
    assert "截图" in shots["question"] and "不可以" in shots["answer"]
    english = MiniappUser(client, fake_wechat, "o-miniapp-faq-en")
    await english.login(lang="en")
    _, listed_en = await english.call("GET", "/faq")
    assert listed_en["name"] == "Tianjin health code FAQ"
    assert all(
        not any("\u4e00" <= c <= "\u9fff" for c in e["question"]) for e in listed_en["entries"]
    )


async def test_a_question_gets_its_best_match_with_the_confidence(user: MiniappUser) -> None:
    status, found = await user.call("GET", "/faq", params={"q": "老人没有智能手机怎么办"})
    assert status == 200 and found["query"] == "老人没有智能手机怎么办"
    match = found["match"]
    assert match["id"] == "elderly_no_phone" and "家人代办" in match["answer"]
    assert 0.3 <= match["confidence"] <= 1 and match["source"] == "天津健康码答疑 第18问"
    _, english = await user.call("GET", "/faq", params={"q": "Can I use a screenshot?"})
    assert english["lang"] == "en" and english["match"]["id"] == "screenshot"
    assert "Tianjin health code FAQ" in english["match"]["source"]
    assert await UnansweredQuestion.all().count() == 0


async def test_a_question_beyond_the_faq_answers_none_and_is_kept_masked(
    user: MiniappUser, runtime: Runtime
) -> None:
    text = "我的手机13812345678能打疫苗吗"
    status, found = await user.call("GET", "/faq", params={"q": text})
    assert status == 200 and found["match"] is None and found["hotline"] == "88908890"
    kept = await UnansweredQuestion.get()
    assert kept.channel == "miniapp" and "13812345678" not in kept.text_sealed
    assert runtime.sealer.open(kept.text_sealed, "unanswered_question.text") == (
        "我的手机138****5678能打疫苗吗"
    )


@pytest.mark.parametrize("q", ["", "问" * 201])
async def test_a_question_of_no_or_too_many_characters_is_refused(
    user: MiniappUser, q: str
) -> None:
    status, refused = await user.call("GET", "/faq", params={"q": q})
    assert status == 422 and refused["error"]["field"] == "q"
    assert "200" in refused["error"]["message"]
    assert await UnansweredQuestion.all().count() == 0
