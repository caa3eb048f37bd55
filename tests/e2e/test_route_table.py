"""The route table (``tests/support/routes.py``) against the live app: every route has a row,
and every route refuses every caller its row does not name (no credentials, a garbage bearer,
a QR token or a code-page link as a bearer, a session on a staff route, a checkpoint token on an
official's route, an expired session, a retired official), with the right status and nothing of
anyone in the answer. An account's session with another account's person ids finds nothing."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from bot.app_state import RUNTIME
from bot.services.access.sessions import sign_session
from bot.services.access.staff import add_staff
from handlers.openapi import mounted_routes
from models.person import Account
from models.staff import Staff
from tests.fakes.wechat_api import FakeWeChat
from tests.support.ids import AUNT, CHILD, MOTHER
from tests.support.miniapp import MiniappUser, declaration, member
from tests.support.routes import ROUTES, Caller, concrete

RIGHT = {
    Caller.SESSION: "a session",
    Caller.CHECKPOINT: "a checkpoint token",
    Caller.OFFICIAL: "an official token",
}


@dataclass
class World:
    """Two mini-program residents with a child each, staff, and every kind of credential."""

    credentials: dict[str, dict[str, str]]
    secrets: list[str]  # what must appear in no refusal: names, documents, phones, ids, tokens
    own: dict[str, str]  # A's person ids
    others: dict[str, str]  # B's person ids, which A's session must not reach
    others_masked: list[str]  # B's masked names
    path_values: dict[str, str]


@pytest.fixture
async def world(client: TestClient, fake_wechat: FakeWeChat) -> World:
    rt = client.app[RUNTIME]
    a = MiniappUser(client, fake_wechat, "o-route-a")
    b = MiniappUser(client, fake_wechat, "o-route-b")
    await a.login()
    await b.login()
    a_self = await a.declare(declaration())
    a_child = await a.declare(member("张小宝", CHILD, relation="child"))
    b_self = await b.declare(declaration(name="李四", doc_number=AUNT, phone="13987654321"))
    b_child = await b.declare(member("李小明", MOTHER, relation="child"))
    appeal = await a.appeal({"person_id": a_child["person_id"], "text": "孩子没有发热"})
    _staff, checkpoint = await add_staff("检查员", "checkpoint")
    _staff, official = await add_staff("官员", "official")
    retired, retired_token = await add_staff("退休官员", "official")
    await Staff.filter(id=retired.id).update(active=False)
    account = await Account.get(openid=a.openid)
    expired = sign_session(rt.session_secret, account.id, rt.now() - timedelta(seconds=1))
    ticket = urlsplit(a_self["page_url"]).path.split("/")[2]

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    credentials = {
        "no credentials": {},
        "a garbage bearer": bearer("garbage-0c1d2e3f"),
        "another scheme": {"Authorization": "Basic b2ZmaWNpYWw6cGFzcw=="},
        "an empty bearer": {"Authorization": "Bearer "},
        "a QR token as bearer": bearer(a_self["token"]),
        "a code-page link as bearer": bearer(ticket),
        "a session": bearer(a.token or ""),
        "an expired session": bearer(expired),
        "a checkpoint token": bearer(checkpoint),
        "an official token": bearer(official),
        "a retired official's token": bearer(retired_token),
    }
    people = [a_self, a_child, b_self, b_child]
    masked = [p["name"] for p in people]  # as the code answers show them
    secrets = [
        "张三", "张小宝", "李四", "李小明", *masked,
        declaration()["doc_number"], CHILD, AUNT, MOTHER,
        "13812345678", "13987654321", "138****5678", "139****4321",
        a_self["token"], ticket, checkpoint, official, a.token or "", b.token or "",
        *[p["person_id"] for p in people],
    ]  # fmt: skip
    return World(
        credentials=credentials,
        secrets=secrets,
        own={"self": a_self["person_id"], "child": a_child["person_id"]},
        others={"self": b_self["person_id"], "child": b_child["person_id"]},
        others_masked=[b_self["name"], b_child["name"]],
        path_values={"ticket": ticket, "adcode": "120101", "appeal_id": str(appeal["appeal_id"])},
    )


def expected(caller: Caller, credential: str) -> int | None:
    """The status a route of ``caller`` answers ``credential`` with (None: the right one)."""
    if caller in RIGHT:
        if credential == RIGHT[caller]:
            return None
        staff = ("a checkpoint token", "an official token")
        if caller in (Caller.CHECKPOINT, Caller.OFFICIAL) and credential in staff:
            return 403  # a real member of staff, in the wrong role
        return 401
    if caller is Caller.CONSOLE:
        return 303  # no console session: to the sign-in page
    if caller is Caller.WECHAT:
        return 403
    return None


async def call(client: TestClient, method: str, path: str, route, headers: dict[str, str]):
    kwargs: dict[str, Any] = {"headers": headers, "allow_redirects": False}
    if route.body is not None:
        kwargs["json"] = route.body
    elif method == "POST" and path.startswith("/console"):
        kwargs["data"] = {"csrf": "x", "tier": "high", "decision": "reject", "reply": "x"}
    response = await client.request(method, path, **kwargs)
    return response.status, await response.read(), response


def leaks(body: bytes, secrets: list[str]) -> list[str]:
    text = body.decode("utf-8", "replace")
    return [secret for secret in secrets if secret and secret in text]


async def test_every_route_has_a_row_and_every_row_a_route(client: TestClient) -> None:
    mounted = mounted_routes(client.app)

    assert sorted(mounted - set(ROUTES)) == [], "routes without a row in tests/support/routes.py"
    assert sorted(set(ROUTES) - mounted) == [], "rows of routes the app no longer has"


async def test_every_route_refuses_every_caller_it_does_not_name(
    client: TestClient, world: World
) -> None:
    failures = []
    tried = 0
    # the right caller's 注销 (DELETE /api/miniapp/me) ends its session: it goes last
    for (method, pattern), route in sorted(ROUTES.items(), key=lambda item: item[0][0] == "DELETE"):
        path = concrete(pattern, world.path_values)
        baseline = None
        for credential, headers in world.credentials.items():
            status, body, response = await call(client, method, path, route, headers)
            tried += 1
            want = expected(route.caller, credential)
            label = f"{method} {pattern} with {credential}"
            if route.caller is Caller.PUBLIC:
                baseline = status if baseline is None else baseline
                if status != baseline:
                    failures.append(f"{label}: {status}, without credentials {baseline}")
                continue
            if want is None:
                if status in (401, 403) or status >= 500:
                    failures.append(f"{label}: refused its own caller ({status})")
                continue
            if status != want:
                failures.append(f"{label}: {status}, not {want}")
            if want == 303 and not response.headers.get("Location", "").startswith(
                "/console/login"
            ):
                failures.append(f"{label}: redirected to {response.headers.get('Location')}")
            if found := leaks(body, world.secrets):
                failures.append(f"{label}: the refusal holds {found}")
            if pattern.startswith("/api/") and set(await response.json()) != {"error"}:
                failures.append(f"{label}: the refusal is not one error")
    assert tried >= len(ROUTES) * len(world.credentials)
    assert not failures, "\n".join(failures)


async def test_another_accounts_person_ids_find_nothing(client: TestClient, world: World) -> None:
    session = world.credentials["a session"]
    failures = []
    routes = [(key, route) for key, route in ROUTES.items() if route.person_id is not None]
    assert len(routes) >= 5
    for (method, pattern), route in routes:
        # a declaration names a person in both of its shapes: a full one, and same_as_last
        bodies = (
            [declaration(), {"same_as_last": True}]
            if pattern.endswith("/declarations")
            else [route.body]
        )
        for (whose, person_id), body in itertools.product(world.others.items(), bodies):
            kwargs: dict[str, Any] = {"headers": session}
            if route.person_id == "query":
                kwargs["params"] = {"person_id": person_id}
            else:
                kwargs["json"] = {**(body or {}), "person_id": person_id}
            response = await client.request(method, pattern, **kwargs)
            answer = await response.read()
            label = f"{method} {pattern} with the other account's {whose} person id"
            if response.status != 404:
                failures.append(f"{label}: {response.status} {answer[:200]!r}")
            others = [*world.others.values(), "李四", "李小明", *world.others_masked]
            if found := leaks(answer, others):
                failures.append(f"{label}: the answer holds {found}")
    assert not failures, "\n".join(failures)


async def test_every_route_that_takes_a_person_id_has_it_in_its_row(client: TestClient) -> None:
    """A new route with a person id must say where it takes one, so the test above tries it."""
    document = await (await client.get("/api/openapi.json")).json()
    takes = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", [])}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                names |= set(_properties(document, body["schema"]))
            if "person_id" in names:
                takes.add((method.upper(), path))
    marked = {key for key, route in ROUTES.items() if route.person_id is not None}
    assert takes == marked


def _properties(document: dict, schema: dict) -> dict:
    """The properties a body may have: of the schema, or of any of its ``oneOf`` shapes."""
    while "$ref" in schema:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = target
    properties = dict(schema.get("properties", {}))
    for shape in schema.get("oneOf", []):
        properties |= _properties(document, shape)
    return properties
