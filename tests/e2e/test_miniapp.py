"""The mini-program's JSON API (docs/architecture.md) through the real app: login against the fake
WeChat API, then every endpoint's answers and refusals."""

from __future__ import annotations

import asyncio
import logging
import secrets

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import RUNTIME
from bot.health.tokens import verify_token
from bot.services.access.sessions import sign_session
from bot.services.access.staff import add_staff
from models.appeal import Appeal
from models.declaration import Declaration
from models.outbox import Notice
from models.person import Account, Guardianship, Person
from tests.fakes.wechat_api import FakeWeChat
from tests.support.clock import FakeClock
from tests.support.ids import AUNT, CHILD, FATHER, MOTHER, VALID_ID
from tests.support.miniapp import API, HEPING, MiniappUser, declaration, member, refusal
from tests.support.transfers import issue_in_miniapp, redeem_in_miniapp

TRIP = {"left_city": True, "from_city": "北京", "return_date": "2020-01-01"}
OTHER_ID = AUNT  # a valid number that is nobody else's in these tests


# --- login ---------------------------------------------------------------------------------


async def test_login_exchanges_the_code_and_keeps_the_session_key_to_itself(
    client: TestClient, fake_wechat: FakeWeChat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = MiniappUser(client, fake_wechat, "mini-openid-1")
    answer = await user.login()
    assert set(answer) == {"token", "expires_in"} and answer["expires_in"] == 7200
    call = fake_wechat.calls_to("/sns/jscode2session")[-1]
    assert call.query["appid"] == "wxfakeminiapp000001" and call.errcode == 0
    assert user.session_key not in str(answer) and user.session_key not in caplog.text
    account = await Account.get(channel="miniapp", openid="mini-openid-1")
    assert account.person_id is None
    assert user.session_key not in str(await Account.all().values())


async def test_logging_in_again_finds_the_same_account(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    user = MiniappUser(client, fake_wechat, "mini-openid-1")
    await user.login()
    first = user.token
    await user.login()
    assert user.token and first and (await user.me())["person"] is None
    assert await Account.filter(channel="miniapp").count() == 1


async def test_an_unknown_or_used_code_is_refused(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    user = MiniappUser(client, fake_wechat, "mini-openid-1")
    status, answer = await user.call("POST", "/login", json={"code": "never-issued"})
    assert status == 401 and refusal(answer, "miniapp.login_code")
    fake_wechat.add_session("once", "mini-openid-1")
    assert (await user.call("POST", "/login", json={"code": "once"}))[0] == 200
    status, answer = await user.call("POST", "/login", json={"code": "once"})
    assert status == 401 and refusal(answer, "miniapp.login_code")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "api.missing", "code"),
        ({"code": 42}, "api.wrong_type", "code"),
        ({"code": "  "}, "miniapp.login_code_format", "code"),
        ({"code": "x" * 129}, "miniapp.login_code_format", "code"),
        ({"code": "abc", "lang": "fr"}, "miniapp.lang", "lang"),
        ({"code": "abc", "session_key": "x"}, "miniapp.unknown_field", "session_key"),
    ],
)
async def test_a_malformed_login_is_refused_with_its_field(
    app_user: MiniappUser, body: dict, code: str, field: str
) -> None:
    status, answer = await app_user.call("POST", "/login", json=body, signed=False)
    assert status == 422 and refusal(answer, code, field)


async def test_a_body_that_is_not_a_json_object_is_refused(app_user: MiniappUser) -> None:
    status, answer = await app_user.call("POST", "/login", data=b"{nope", signed=False)
    assert status == 400 and refusal(answer, "api.not_json")
    status, answer = await app_user.call("POST", "/declarations", json=["code"])
    assert status == 400 and refusal(answer, "api.not_object")


async def test_login_says_so_when_wechat_is_unavailable(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    user = MiniappUser(client, fake_wechat, "mini-openid-1")
    fake_wechat.add_session("c1", "mini-openid-1")
    fake_wechat.fail_next("/sns/jscode2session", -1)
    status, answer = await user.call("POST", "/login", json={"code": "c1"})
    assert status == 503 and refusal(answer, "miniapp.wechat_unavailable")
    fake_wechat.fail_http("/sns/jscode2session", 502)
    status, answer = await user.call("POST", "/login", json={"code": "c1"})
    assert status == 503
    assert (await user.call("POST", "/login", json={"code": "c1"}))[0] == 200


# --- session tokens ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/me", "/code"])
async def test_a_missing_or_forged_token_is_refused(app_user: MiniappUser, path: str) -> None:
    response = await app_user.client.get(API + path)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    refusal(await response.json(), "miniapp.token_missing")
    token = app_user.token or ""
    for forged in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), token + "A", "x", "å"):
        response = await app_user.client.get(
            API + path, headers={"Authorization": f"Bearer {forged}"}
        )
        assert response.status == 401
        refusal(await response.json(), "miniapp.token_invalid")
    response = await app_user.client.get(API + path, headers={"Authorization": f"Basic {token}"})
    assert response.status == 401


async def test_a_token_expires(app_user: MiniappUser, clock: FakeClock) -> None:
    assert (await app_user.call("GET", "/me"))[0] == 200
    clock.advance(seconds=7200)
    status, answer = await app_user.call("GET", "/me")
    assert status == 401 and refusal(answer, "miniapp.token_expired")


async def test_a_token_of_another_key_or_account_is_refused(
    app_user: MiniappUser, clock: FakeClock
) -> None:
    account = await Account.get(channel="miniapp")
    later = clock() + app_user.client.app[RUNTIME].settings.miniapp_session_lifetime
    app_user.token = sign_session(secrets.token_bytes(32), account.id, later)
    status, answer = await app_user.call("GET", "/me")
    assert status == 401 and refusal(answer, "miniapp.token_invalid")
    # a token naming an official-account account (or none) opens nothing either
    chat = await Account.create(channel="mp", openid="o-chat")
    for account_id in (chat.id, 999_999):
        app_user.token = sign_session(
            app_user.client.app[RUNTIME].session_secret, account_id, later
        )
        assert (await app_user.call("GET", "/me"))[0] == 401


async def test_tokens_do_not_cross_between_staff_and_residents(app_user: MiniappUser) -> None:
    _staff, staff_token = await add_staff("检查员", "checkpoint")
    response = await app_user.client.get(
        API + "/me", headers={"Authorization": f"Bearer {staff_token}"}
    )
    assert response.status == 401
    response = await app_user.client.post(
        "/api/checkpoint/scan",
        json={"token": "HC1:x"},
        headers={"Authorization": f"Bearer {app_user.token}"},
    )
    assert response.status == 401


# --- me ----------------------------------------------------------------------------------


async def test_me_before_and_after_declaring(app_user: MiniappUser) -> None:
    assert await app_user.me() == {
        "lang": "zh",
        "person": None,
        "family": [],
        "current_person_id": None,
    }
    code = await app_user.declare(declaration())
    me = await app_user.me()
    assert me["person"] == {
        "person_id": code["person_id"],
        "name": "张*",
        "doc_type": "resident_id",
        "doc_number": "1101**********002X",
        "phone": "138****5678",
        "district": HEPING,
        "color": "green",
    }
    assert me["current_person_id"] == code["person_id"] and me["family"] == []
    assert VALID_ID not in str(me) and "13812345678" not in str(me)


async def test_me_lists_the_family(declared_app_user: MiniappUser) -> None:
    child = await declared_app_user.declare(member("张小宝", CHILD, relation="child"))
    mother = await declared_app_user.declare(
        member("李奶奶", MOTHER, relation="parent", symptoms=["fever"])
    )
    family = (await declared_app_user.me())["family"]
    assert family == [
        {
            "person_id": child["person_id"],
            "name": "张*宝",
            "relation": "child",
            "color": "green",
            "self_managed": False,
        },
        {
            "person_id": mother["person_id"],
            "name": "李*奶",
            "relation": "parent",
            "color": "orange",
            "self_managed": False,
        },
    ]


# --- declarations ------------------------------------------------------------------------


async def test_a_declaration_answers_the_code_with_a_token_that_scans(
    declared_app_user: MiniappUser,
) -> None:
    code = await declared_app_user.code()
    assert code["color"] == "green" and code["name"] == "张*"
    assert code["page_url"].startswith("http://testserver/c/")
    rt = declared_app_user.client.app[RUNTIME]
    token = verify_token(rt.keyring, code["token"], now=rt.now())
    assert token.color.value == "green"
    _staff, staff_token = await add_staff("检查员", "checkpoint")
    response = await declared_app_user.client.post(
        "/api/checkpoint/scan",
        json={"token": code["token"]},
        headers={"Authorization": f"Bearer {staff_token}"},
    )
    assert (await response.json())["verdict"] == "pass"
    page = await declared_app_user.client.get(code["page_url"].removeprefix("http://testserver"))
    assert page.status == 200 and "张*" in await page.text()


@pytest.mark.parametrize(
    ("changes", "color", "reason"),
    [
        ({"symptoms": ["fever", "cough"]}, "orange", "发热"),
        ({"contact": True}, "red", "接触"),
        (
            {"left_city": True, "from_city": "湖北省武汉市", "return_date": "{today}"},
            "orange",
            "武汉",
        ),
        ({"left_city": True, "from_city": "北京", "return_date": "{today}"}, "green", None),
    ],
)
async def test_the_same_rules_decide_the_colour(
    app_user: MiniappUser, changes: dict, color: str, reason: str | None
) -> None:
    rt = app_user.client.app[RUNTIME]
    today = rt.now().astimezone(rt.ruleset.tz).date().isoformat()
    changes = {
        k: v.replace("{today}", today) if isinstance(v, str) else v for k, v in changes.items()
    }
    code = await app_user.declare(declaration(**changes))
    assert code["color"] == color
    if reason:
        assert any(reason in r for r in code["reasons"]), code["reasons"]


async def test_the_answer_and_its_errors_follow_the_accounts_language(
    client: TestClient, fake_wechat: FakeWeChat
) -> None:
    user = MiniappUser(client, fake_wechat, "mini-openid-en")
    await user.login(lang="en")
    code = await user.declare(declaration(symptoms=["fever"]))
    assert any("fever" in r.lower() for r in code["reasons"]), code["reasons"]
    answer = await user.declare(declaration(doc_number=VALID_ID[:-1] + "1"), status=422)
    assert "check" in refusal(answer, "identity.checksum", "doc_number").lower()
    answer = await user.code("0" * 32, status=404)
    assert refusal(answer, "family.not_found") == "This family member was not found."


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"name": "张"}, "identity.name_too_short", "name"),
        ({"name": "张\x00三"}, "api.control_characters", "name"),
        ({"name": None}, "api.missing", "name"),
        ({"doc_type": "1"}, "miniapp.doc_type", "doc_type"),
        ({"doc_number": VALID_ID[:-1] + "1"}, "identity.checksum", "doc_number"),
        ({"doc_type": "passport", "doc_number": "护照"}, "identity.passport_format", "doc_number"),
        ({"phone": "12345"}, "identity.phone_mobile", "phone"),
        ({"phone": None}, "miniapp.phone_required", "phone"),
        ({"district": 999999}, "districts.unknown", "district"),
        ({"district": "120101"}, "api.wrong_type", "district"),
        ({"district": True}, "api.wrong_type", "district"),
        ({"left_city": "no"}, "api.wrong_type", "left_city"),
        ({"left_city": True, "return_date": "2020-03-01"}, "api.missing", "from_city"),
        ({**TRIP, "return_date": None}, "api.missing", "return_date"),
        ({**TRIP, "return_date": "2999-01-01"}, "declare.date_future", "return_date"),
        ({**TRIP, "return_date": "3月1日"}, "declare.date_format", "return_date"),
        ({**TRIP, "from_city": "  "}, "declare.from_city_empty", "from_city"),
        ({"left_city": False, "from_city": 7}, "api.wrong_type", "from_city"),
        ({"symptoms": ["headache"]}, "miniapp.symptoms", "symptoms"),
        ({"symptoms": "fever"}, "api.wrong_type", "symptoms"),
        ({"contact": None}, "api.missing", "contact"),
        ({"relation": "cousin"}, "miniapp.relation", "relation"),
        ({"relation": "child", "person_id": "a" * 32}, "miniapp.person_or_relation", "relation"),
        ({"colour": "green"}, "miniapp.unknown_field", "colour"),
    ],
)  # fmt: skip
async def test_every_wrong_field_is_named_in_a_422(
    app_user: MiniappUser, changes: dict, code: str, field: str
) -> None:
    body = declaration(**{k: v for k, v in changes.items() if v is not None})
    body = {k: v for k, v in body.items() if k not in changes or changes[k] is not None}
    answer = await app_user.declare(body, status=422)
    message = refusal(answer, code, field)
    assert "回复" not in message, message  # the chat's "reply …" wording stays in the chat
    assert await Declaration.all().count() == 0 and await Person.all().count() == 0


async def test_a_too_large_body_is_refused(app_user: MiniappUser) -> None:
    body = declaration(name="张" * 70_000)
    status, answer = await app_user.call("POST", "/declarations", json=body)
    assert status == 413 and set(answer) == {"error"}

    async def chunks():
        yield b'{"name": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    status, answer = await app_user.call("POST", "/declarations", data=chunks())
    assert status == 413 and set(answer) == {"error"}


async def test_another_persons_document_is_refused(
    declared_app_user: MiniappUser, client: TestClient, fake_wechat: FakeWeChat
) -> None:
    other = MiniappUser(client, fake_wechat, "mini-openid-2")
    await other.login()
    answer = await other.declare(declaration(phone="13900000000"), status=409)
    assert "88908890" in refusal(answer, "declare.document_taken")
    answer = await declared_app_user.declare(declaration(doc_number=OTHER_ID), status=409)
    assert "1101**********002X" in refusal(answer, "declare.not_your_document")
    assert (await other.me())["person"] is None


async def test_declarations_for_the_family(declared_app_user: MiniappUser) -> None:
    child = await declared_app_user.declare(member("张小宝", CHILD, relation="child"))
    assert child["name"] == "张*宝" and child["color"] == "green"
    again = await declared_app_user.declare(
        member("张小宝", CHILD, person_id=child["person_id"], contact=True)
    )
    assert again["person_id"] == child["person_id"] and again["color"] == "red"
    assert (await declared_app_user.code(child["person_id"]))["color"] == "red"
    answer = await declared_app_user.declare(
        member("张小宝", MOTHER, person_id=child["person_id"]), status=409
    )
    refusal(answer, "family.other_document")
    answer = await declared_app_user.declare(
        member("张三", VALID_ID, relation="spouse"), status=409
    )
    refusal(answer, "family.is_yourself")
    # the own person's id is the same as no id
    own = await declared_app_user.declare(
        declaration(person_id=(await declared_app_user.me())["person"]["person_id"])
    )
    assert own["name"] == "张*"
    assert await Guardianship.all().count() == 1


async def test_at_most_three_family_members(declared_app_user: MiniappUser) -> None:
    for name, doc, relation in (
        ("张小宝", CHILD, "child"),
        ("李奶奶", MOTHER, "parent"),
        ("张爷爷", FATHER, "parent"),
    ):
        await declared_app_user.declare(member(name, doc, relation=relation))
    answer = await declared_app_user.declare(member("王阿姨", AUNT, relation="spouse"), status=409)
    message = refusal(answer, "family.limit")
    assert "3" in message and "解除代办" not in message
    assert await Guardianship.all().count() == 3 and await Person.all().count() == 4


async def test_family_before_oneself_and_foreign_ids(
    app_user: MiniappUser, client: TestClient, fake_wechat: FakeWeChat
) -> None:
    answer = await app_user.declare(member("张小宝", CHILD, relation="child"), status=409)
    refusal(answer, "family.register_self_first")
    other = MiniappUser(client, fake_wechat, "mini-openid-2")
    await other.login()
    theirs = await other.declare(declaration(name="李四", doc_number=OTHER_ID))
    await app_user.declare(declaration())
    for person_id in (theirs["person_id"], "0" * 32, "../../etc", "ä"):
        answer = await app_user.declare(member("李四", OTHER_ID, person_id=person_id), status=404)
        refusal(answer, "family.not_found")
        refusal(await app_user.code(person_id, status=404), "family.not_found")
        refusal(
            await app_user.appeal({"person_id": person_id, "text": "错了"}, 404), "family.not_found"
        )


async def test_a_miniapp_declaration_queues_no_chat_image(declared_app_user: MiniappUser) -> None:
    assert not await Notice.filter(kind="code_image").exists()


# --- code --------------------------------------------------------------------------------


async def test_no_code_before_declaring(app_user: MiniappUser) -> None:
    answer = await app_user.code(status=404)
    message = refusal(answer, "code.none_yet")
    assert "申领" not in message and "申报" in message


async def test_each_code_request_signs_a_fresh_token(
    declared_app_user: MiniappUser, clock: FakeClock
) -> None:
    response = await declared_app_user.client.get(
        API + "/code", headers={"Authorization": f"Bearer {declared_app_user.token}"}
    )
    assert response.headers["Cache-Control"] == "no-store"
    first = await response.json()
    clock.advance(seconds=90)
    second = await declared_app_user.code()
    assert second["token"] != first["token"] and second["issued_at"] > first["issued_at"]
    assert second["person_id"] == first["person_id"]


# --- appeals -----------------------------------------------------------------------------


async def test_an_appeal_is_filed_sealed_and_once_at_a_time(declared_app_user: MiniappUser) -> None:
    filed = await declared_app_user.appeal({"text": "我没有发热，是体温计坏了。"})
    assert (
        filed["status"] == "open"
        and filed["person_id"] == (await declared_app_user.me())["person"]["person_id"]
    )
    row = await Appeal.get(id=filed["appeal_id"])
    assert "体温计" not in row.text_sealed
    rt = declared_app_user.client.app[RUNTIME]
    assert rt.sealer.open(row.text_sealed, "appeal.text") == "我没有发热，是体温计坏了。"
    answer = await declared_app_user.appeal({"text": "再说一次"}, status=409)
    refusal(answer, "appeals.already_open")
    child = await declared_app_user.declare(member("张小宝", CHILD, relation="child"))
    for_child = await declared_app_user.appeal(
        {"person_id": child["person_id"], "text": "没去过武汉"}
    )
    assert for_child["person_id"] == child["person_id"]
    assert await Appeal.all().count() == 2


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({}, "api.missing", "text"),
        ({"text": 5}, "api.wrong_type", "text"),
        ({"text": "   "}, "appeals.text_empty", "text"),
        ({"text": "长" * 501}, "appeals.text_too_long", "text"),
        ({"text": "x", "color": "green"}, "miniapp.unknown_field", "color"),
    ],
)
async def test_a_wrong_appeal_is_refused(
    declared_app_user: MiniappUser, body: dict, code: str, field: str
) -> None:
    refusal(await declared_app_user.appeal(body, status=422), code, field)
    assert await Appeal.all().count() == 0


async def test_an_appeal_needs_a_person(app_user: MiniappUser) -> None:
    refusal(await app_user.appeal({"text": "错了"}, status=404), "code.none_yet")
    assert await app_user.appeals() == {"appeals": []}  # nothing declared, nothing appealed


async def test_the_answer_to_an_appeal_is_read_in_the_mini_program(
    declared_app_user: MiniappUser,
) -> None:
    """The pushed answer needs the resident's subscription; the list shows it regardless."""
    client = declared_app_user.client
    filed = await declared_app_user.appeal({"text": "我没有发热，是体温计坏了。"})
    (pending,) = (await declared_app_user.appeals())["appeals"]
    assert pending["status"] == "open" and pending["decision"] is None and pending["reply"] is None
    assert pending["text"] == "我没有发热，是体温计坏了。" and pending["resolved_at"] is None
    _staff, official = await add_staff("官员甲", "official")
    response = await client.post(
        f"/api/admin/appeals/{filed['appeal_id']}/resolve",
        json={"decision": "reject", "reply": "请凭医院体温复测记录再次申诉。"},
        headers={"Authorization": f"Bearer {official}"},
    )
    assert response.status == 200, await response.text()
    (answered,) = (await declared_app_user.appeals())["appeals"]
    assert answered["appeal_id"] == filed["appeal_id"]
    assert (answered["status"], answered["decision"]) == ("resolved", "reject")
    assert answered["reply"] == "请凭医院体温复测记录再次申诉。" and answered["resolved_at"]
    notice = await Notice.get(kind="appeal_reply")
    assert notice.payload == {"appeal": filed["appeal_id"]}  # the words stay sealed


async def test_appeals_are_listed_per_person_and_only_the_accounts_own(
    declared_app_user: MiniappUser, client: TestClient, fake_wechat: FakeWeChat
) -> None:
    child = await declared_app_user.declare(member("张小宝", CHILD, relation="child"))
    await declared_app_user.appeal({"person_id": child["person_id"], "text": "孩子一直在家"})
    assert (await declared_app_user.appeals())["appeals"] == []  # none for the parent's own code
    (for_child,) = (await declared_app_user.appeals(child["person_id"]))["appeals"]
    assert for_child["text"] == "孩子一直在家"
    # another parent acting for the same child reads their own appeals only
    other = MiniappUser(client, fake_wechat, "mini-other-parent")
    await other.login()
    await other.declare(declaration(name="李四", doc_number=MOTHER, phone="13900001111"))
    issued = await issue_in_miniapp(declared_app_user, "add_guardian", child["person_id"])
    linked = await redeem_in_miniapp(other, issued["code"], "child")
    assert linked["person_id"] == child["person_id"]
    assert (await other.appeals(child["person_id"]))["appeals"] == []
    refusal(await other.appeals("p" * 22, status=404), "family.not_found")
    refusal(await declared_app_user.appeals("../../etc", status=404), "family.not_found")


async def test_a_double_tap_files_twice_for_one_person(app_user: MiniappUser) -> None:
    """Two submissions at once (a double tap): one person, both answered, no 500."""
    answers = await asyncio.gather(
        *(app_user.call("POST", "/declarations", json=declaration()) for _ in range(3))
    )
    assert [status for status, _ in answers] == [201, 201, 201], answers
    assert await Person.all().count() == 1 and await Declaration.all().count() == 3
