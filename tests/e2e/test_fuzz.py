"""Hypothesis against the live app, on each database: whole JSON bodies on every route that
reads one (and odd query strings on the JSON routes that read none), whole signed WeChat XML
bodies of every message and event type. Any 5xx, or any traceback or error the app logs, fails
the test. The number of cases sent is printed at the end of the run.

The run is derandomized (the same cases every time); ``FUZZ_EXAMPLES`` sets the cases per
target and strategy (default 15), ``FUZZ_RANDOM=1`` explores afresh.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.app_state import CODEC, RUNTIME
from bot.services.access.staff import add_staff
from bot.wechat import BadCallback
from tests.fakes.wechat_api import FakeWeChat
from tests.support import fuzz
from tests.support.ids import CHILD
from tests.support.miniapp import MiniappUser, declaration, member
from tests.support.routes import ROUTES, Caller, concrete

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)
# a WeChat body is cheaper to send than to think of: four times as many
WECHAT_SETTINGS = hypothesis_settings(SETTINGS, max_examples=EXAMPLES * 4)


@pytest.fixture
def problems(caplog: pytest.LogCaptureFixture) -> Callable[[], list[str]]:
    """The tracebacks and errors logged since the last call."""
    caplog.set_level(logging.INFO)
    seen = [0]

    def new() -> list[str]:
        records = caplog.records[seen[0] :]
        seen[0] += len(records)
        return [
            f"{r.levelname} {r.name}: {r.getMessage()}\n{r.exc_text or ''}"
            for r in records
            if r.exc_info or r.levelno >= logging.ERROR
        ]

    return new


def check(label: str, status: int, body: bytes, logged: list[str]) -> None:
    label = label if len(label) < 400 else label[:400] + "…"
    assert status < 500, f"{label}: {status} {body[:300]!r}"
    assert not logged, f"{label}: the app logged\n" + "\n".join(logged)


async def test_json_routes_answer_any_body_without_a_server_error(
    client: TestClient, fake_wechat: FakeWeChat, database_url: str, problems
) -> None:
    resident = MiniappUser(client, fake_wechat, "o-fuzz-json")
    await resident.login()
    own = await resident.declare(declaration())
    child = await resident.declare(member("张小宝", CHILD, relation="child"))
    appeal = await resident.appeal({"person_id": child["person_id"], "text": "孩子没有发热"})
    _staff, checkpoint = await add_staff("检查员", "checkpoint")
    _staff, official = await add_staff("官员", "official")
    bearer = {
        Caller.SESSION: resident.token,
        Caller.CHECKPOINT: checkpoint,
        Caller.OFFICIAL: official,
    }
    valid = {
        "/api/miniapp/declarations": declaration(person_id=own["person_id"]),
        "/api/checkpoint/scan": {"token": own["token"], "temperature": 36.6, "place": "东门"},
        "/api/miniapp/appeals": {"person_id": child["person_id"], "text": "体温计坏了"},
    }
    values = {"adcode": "120101", "appeal_id": str(appeal["appeal_id"]), "ticket": "x"}
    targets = []
    for (method, pattern), route in sorted(ROUTES.items()):
        if not pattern.startswith("/api/") or method == "DELETE":
            continue  # DELETE /api/miniapp/me would end the session the others need
        headers = (
            {"Authorization": f"Bearer {bearer[route.caller]}"} if route.caller in bearer else {}
        )
        targets.append((method, concrete(pattern, values), route, headers))
    live = fuzz.LiveApp(client, asyncio.get_running_loop())
    backend = database_url.split(":", 1)[0]

    def run_all() -> None:
        for method, path, route, headers in targets:
            if route.body is None:
                _fuzz_queries(live, backend, method, path, headers, problems)
                continue
            json_headers = headers | {"Content-Type": "application/json"}
            shaped = valid.get(path, route.body)
            for name, strategy in (
                ("whole", fuzz.whole_bodies()),
                ("shaped", fuzz.shaped_bodies(shaped)),
            ):
                _fuzz_bodies(
                    live,
                    backend,
                    f"{method} {path} ({name})",
                    method,
                    path,
                    json_headers,
                    strategy,
                    problems,
                )

    await asyncio.to_thread(run_all)


def _fuzz_bodies(
    live: fuzz.LiveApp,
    backend: str,
    label: str,
    method: str,
    path: str,
    headers: dict[str, str],
    strategy: st.SearchStrategy[bytes],
    problems: Callable[[], list[str]],
) -> None:
    @SETTINGS
    @given(body=strategy)
    def run(body: bytes) -> None:
        fuzz.CASES[f"{backend}: JSON bodies"] += 1
        status, answer = live.request(method, path, data=body, headers=headers)
        check(f"{label} {body[:200]!r}", status, answer, problems())

    run()


def _fuzz_queries(
    live: fuzz.LiveApp,
    backend: str,
    method: str,
    path: str,
    headers: dict[str, str],
    problems: Callable[[], list[str]],
) -> None:
    @SETTINGS
    @given(query=fuzz.queries)
    def run(query: dict[str, str]) -> None:
        fuzz.CASES[f"{backend}: JSON query strings"] += 1
        params = {
            k.encode("utf-8", "surrogatepass").decode("utf-8", "replace"): v.encode(
                "utf-8", "surrogatepass"
            ).decode("utf-8", "replace")
            for k, v in query.items()
        }
        status, answer = live.request(method, path, params=params, headers=headers)
        check(f"{method} {path}?{str(params)[:300]}", status, answer, problems())

    run()


@pytest.mark.parametrize("aes", [False, True], ids=["plaintext", "safe-mode"])
async def test_wechat_answers_any_signed_body_without_a_server_error(
    aiohttp_client, settings, clock, database_url: str, problems, aes: bool
) -> None:
    import dataclasses

    from tests.conftest import AES_KEY, start_app

    app_settings = dataclasses.replace(settings, wechat_aes_key=AES_KEY if aes else None)
    client = await start_app(aiohttp_client, app_settings, clock)
    codec, token = client.app[CODEC], app_settings.wechat_token
    live = fuzz.LiveApp(client, asyncio.get_running_loop())
    backend = database_url.split(":", 1)[0]

    def run_all() -> None:
        @WECHAT_SETTINGS
        @given(message=fuzz.wechat_bodies())
        def run(message: tuple[str, str, str, str]) -> None:
            xml, sender, mode, spoil = message
            if mode != "plain" and not aes:
                mode = "plain"
            fuzz.CASES[f"{backend}: WeChat XML bodies"] += 1
            now = int(client.app[RUNTIME].now().timestamp())
            try:
                query, body = fuzz.signed_call(codec, token, xml, sender, mode, spoil, now)
            except (UnicodeEncodeError, ValueError, BadCallback):
                return  # not even the WeChat server could send this one
            status, answer = live.request("POST", "/wechat", params=query, data=body)
            check(f"{mode}/{spoil} {xml[:300]!r}", status, answer, problems())

        run()

    await asyncio.to_thread(run_all)
