"""Input that used to answer 500 (issue 9 §3), each at its shared mechanism: the JSON body
reader (nesting, numbers, NUL and surrogates, the feed route included), path parameters parsed
once by type, the console's forms, WeChat's login answer and the access log. Every case runs on
SQLite and PostgreSQL, and none may log a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import RUNTIME
from bot.services.access.staff import add_staff
from bot.services.feeds.imports import import_feed
from handlers.json_input import MAX_DEPTH
from handlers.openapi import mounted_routes
from models.appeal import Appeal
from models.authority import AuthorityRecord, FeedImport
from models.person import Account
from tests.fakes.wechat_api import FakeWeChat
from tests.support.console import dashboard, post_form, sign_in
from tests.support.miniapp import MiniappUser
from tests.support.people import make_person, resident_id

DEEP = 900


@pytest.fixture
def tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """The records logged with a traceback: the test fails if there is one."""
    caplog.set_level(logging.INFO)
    found: list[logging.LogRecord] = []
    yield found
    found += [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not found, "\n".join(caplog.text.splitlines()[-40:])


@pytest.fixture
async def callers(client: TestClient, fake_wechat: FakeWeChat) -> dict[str, dict[str, str]]:
    """The credentials a call of each kind carries."""
    resident = MiniappUser(client, fake_wechat, "o-input-resident")
    await resident.login()
    _staff, checkpoint = await add_staff("检查员", "checkpoint")
    _staff, official = await add_staff("官员", "official")
    return {
        "/api/miniapp": {"Authorization": f"Bearer {resident.token}"},
        "/api/checkpoint": {"Authorization": f"Bearer {checkpoint}"},
        "/api/admin": {"Authorization": f"Bearer {official}"},
    }


def headers_for(callers: dict[str, dict[str, str]], path: str) -> dict[str, str]:
    if path == "/api/miniapp/login":
        return {}
    return next(h for prefix, h in callers.items() if path.startswith(prefix))


def json_bodied(client: TestClient) -> list[tuple[str, str]]:
    """Every route that reads a JSON body, the path's parameters filled with real values."""
    filled = {"{adcode}": "120101", "{appeal_id}": "1"}
    found = []
    for method, path in sorted(mounted_routes(client.app)):
        if method in ("POST", "PUT") and path.startswith("/api/"):
            for pattern, value in filled.items():
                path = path.replace(pattern, value)
            found.append((method, path))
    assert len(found) >= 8, found
    return found


# --- JSON bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param("[" * DEEP + "]" * DEEP, "api.too_deep", id="list-900-deep"),
        pytest.param('{"a":' * DEEP + "1" + "}" * DEEP, "api.too_deep", id="object-900-deep"),
        pytest.param(
            '{"x": "'
            + "[" * DEEP
            + '", "y": '
            + "[" * (MAX_DEPTH - 1)
            + "]" * (MAX_DEPTH - 1)
            + "}",
            None,
            id="brackets-in-a-string-are-not-nesting",
        ),
        pytest.param('{"n": ' + "9" * 5000 + "}", "api.number_out_of_range", id="5000-digits"),
        pytest.param('{"n": 1e999}', "api.number_out_of_range", id="1e999"),
        pytest.param('{"n": NaN}', "api.number_out_of_range", id="NaN"),
        pytest.param('{"n": -Infinity}', "api.number_out_of_range", id="Infinity"),
        pytest.param('{"s": "\\u0000"}', "api.control_characters", id="NUL"),
        pytest.param('{"s": ["\\ud800"]}', "api.control_characters", id="lone-surrogate"),
        # the refusal names the field: a field named by a lone surrogate must still be answered
        pytest.param('{"\\ud800": null}', "api.control_characters", id="surrogate-as-a-name"),
        pytest.param('{"\\u0007": 1}', "api.control_characters", id="control-as-a-name"),
        pytest.param(b'{"s": "\xed\xa0\x80"}', "api.not_json", id="encoded-surrogate"),
        pytest.param('{"s": "ok"}'.encode("utf-16"), "api.not_json", id="utf-16"),
    ],
)
async def test_every_json_route_refuses_a_body_it_cannot_use_with_a_400(
    client: TestClient, callers, tracebacks, body: str | bytes, code: str | None
) -> None:
    for method, path in json_bodied(client):
        response = await client.request(
            method,
            path,
            data=body if isinstance(body, bytes) else body.encode(),
            headers=headers_for(callers, path) | {"Content-Type": "application/json"},
        )
        answer = await response.json()
        assert response.status < 500, (path, answer)
        if code is None:
            assert answer.get("error", {}).get("code") not in ("api.too_deep", "api.not_json")
        else:
            assert response.status in (400, 422), (path, answer)
            assert answer["error"]["code"] == code, (path, answer)


async def test_a_feed_with_nul_or_a_surrogate_is_refused_and_writes_nothing(
    client: TestClient, callers, tracebacks
) -> None:
    official = callers["/api/admin"]
    good = {
        "record_id": "r1",
        "doc_type": "resident_id",
        "doc_number": resident_id(901),
        "status": "confirmed",
        "since": "2020-01-01",
    }
    bodies = [
        {"source": "cdc", "records": [good | {"record_id": "r\x00"}]},
        {"source": "cdc", "records": [good | {"record_id": "r\ud800"}]},
        {"source": "cdc\x00", "records": [good]},
        {"source": "\udfff", "records": [good]},
    ]
    for body in bodies:
        raw = json.dumps(body)  # ASCII-escaped: \u0000 and \ud800 reach the server as JSON says
        response = await client.post(
            "/api/admin/feeds", data=raw, headers=official | {"Content-Type": "application/json"}
        )
        assert response.status == 422, await response.text()
        assert (await response.json())["error"]["code"] == "api.control_characters"

    assert await FeedImport.all().count() == 0
    assert await AuthorityRecord.all().count() == 0


async def test_a_feed_files_line_with_nul_is_rejected_and_the_rest_imports(
    client: TestClient, tracebacks
) -> None:
    rt = client.app[RUNTIME]
    record = {
        "doc_type": "resident_id",
        "doc_number": resident_id(901),
        "status": "confirmed",
        "since": "2020-01-01",
    }
    rows = [(1, record | {"record_id": "ok-1"}), (2, record | {"record_id": "bad\x00"})]
    rows.append((3, record | {"record_id": "bad\ud800", "doc_number": resident_id(902)}))

    result = await import_feed(rt, None, "file", rows)

    assert (result.created, [r.position for r in result.rejected]) == (1, [2, 3])
    assert {r.field for r in result.rejected} == {"record_id"}
    assert await AuthorityRecord.all().values_list("record_id", flat=True) == ["ok-1"]


async def test_an_import_that_fails_leaves_no_empty_import_row(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(*_args, **_kwargs):
        raise RuntimeError("the database went away")

    rt = client.app[RUNTIME]
    await make_person(rt, doc=resident_id(901))  # so the record's person is re-decided
    monkeypatch.setattr("bot.services.feeds.imports.redecide_batch", failing)
    record = {
        "record_id": "r1",
        "doc_type": "resident_id",
        "doc_number": resident_id(901),
        "status": "confirmed",
        "since": "2020-01-01",
    }

    with pytest.raises(RuntimeError):
        await import_feed(rt, None, "cdc", [(0, record)])

    assert await FeedImport.all().count() == 0 and await AuthorityRecord.all().count() == 0


# --- path parameters --------------------------------------------------------------------------

NO_APPEAL = ["99999999999", "2147483648", "0", "-1", "１２", "1e3", "12abc", "9" * 400]
NO_DISTRICT = ["1201011", "12010", "１２０１０１", "-12010", "120101x", "9" * 400]


@pytest.mark.parametrize("raw", NO_APPEAL)
async def test_an_appeal_id_no_appeal_can_have_is_404_on_every_route(
    client: TestClient, callers, tracebacks, raw: str
) -> None:
    _staff, official = await add_staff("官员丙", "official")
    assert (await sign_in(client, official)).status == 303
    _html, csrf = await dashboard(client)

    api = await client.post(
        f"/api/admin/appeals/{raw}/resolve",
        json={"decision": "reject", "reply": "不予受理"},
        headers=callers["/api/admin"],
    )
    console = await post_form(
        client, f"/console/appeals/{raw}/resolve", {"csrf": csrf, "decision": "reject"}
    )

    assert api.status == 404 and (await api.json())["error"]["code"] == "appeals.not_found"
    assert console.status == 404 and 'class="flash error"' in await console.text()
    assert await Appeal.all().count() == 0


@pytest.mark.parametrize("raw", NO_DISTRICT)
async def test_an_adcode_no_district_can_have_is_404_on_every_route(
    client: TestClient, callers, tracebacks, raw: str
) -> None:
    official = callers["/api/admin"]
    path = f"/api/admin/districts/{raw}/tier"
    _staff, token = await add_staff("官员丙", "official")
    assert (await sign_in(client, token)).status == 303
    _html, csrf = await dashboard(client)

    put = await client.put(path, json={"tier": "high", "note": "x"}, headers=official)
    get = await client.get(path, headers=official)
    console = await post_form(
        client, f"/console/districts/{raw}/tier", {"csrf": csrf, "tier": "high"}
    )

    for response in (put, get):
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "tiers.unknown_district"
    assert console.status == 404 and 'class="flash error"' in await console.text()


def test_a_route_whose_parameter_has_no_type_is_refused_at_start() -> None:
    from aiohttp import web

    from handlers.path_params import typed_paths

    async def handler(_request: web.Request) -> web.Response:
        return web.Response()

    with pytest.raises(ValueError, match="person_id"):
        typed_paths([web.get("/api/people/{person_id}", handler)])


# --- the console, WeChat's login answer -----------------------------------------------------


async def test_signing_out_without_the_forms_csrf_token_is_403(
    client: TestClient, tracebacks
) -> None:
    _staff, official = await add_staff("官员丁", "official")
    assert (await sign_in(client, official)).status == 303
    _html, csrf = await dashboard(client)

    forged = await post_form(client, "/console/logout", {})
    wrong = await post_form(client, "/console/logout", {"csrf": "x" + csrf})
    still_in = await client.get("/console", allow_redirects=False)
    out = await post_form(client, "/console/logout", {"csrf": csrf})

    assert forged.status == wrong.status == 403
    assert still_in.status == 200
    assert out.status == 303 and out.headers["Location"].startswith("/console/login")


@pytest.mark.parametrize("openid", ["o" * 65, "o-with space", "o<script>", ""])
async def test_an_openid_that_is_none_of_wechats_is_wechats_error(
    client: TestClient, fake_wechat: FakeWeChat, tracebacks, openid: str
) -> None:
    fake_wechat.sessions["odd-code"] = {"openid": openid, "session_key": "k"}

    response = await client.post("/api/miniapp/login", json={"code": "odd-code"})

    assert response.status == 503
    assert (await response.json())["error"]["code"] == "miniapp.wechat_unavailable"
    assert await Account.all().count() == 0


def test_every_path_parameters_refusal_has_its_sentence_in_both_languages() -> None:
    from bot.texts import LANGUAGES, t
    from handlers.path_params import PARAMETERS

    for parameter in PARAMETERS.values():
        for lang in LANGUAGES:
            assert t(parameter.not_found, lang, **{parameter.name: "x"})
