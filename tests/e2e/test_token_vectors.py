"""The negative vectors (tests/data/token_vectors.json) through the real scan endpoint: each is
refused with the verdict and reason its stage gives. And a property: random mutations of a
valid token, ours or a trusted region's, are never accepted (docs/trust.md)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app_state import RUNTIME
from bot.health.colors import Color
from bot.health.tokens import Keyring, jwks
from bot.services.access.staff import add_staff
from bot.services.codes.display import live_code, token_for
from bot.services.codes.paper import reference_token
from bot.services.runtime import Runtime
from bot.settings import Settings
from models.paper import PrintedCode
from models.person import Person
from tests.conftest import start_app
from tests.support import fuzz
from tests.support import token_vectors as tv
from tests.support.clock import FakeClock
from tests.support.people import make_person
from tests.support.trust import trust

VECTORS = json.loads(tv.FILE.read_text(encoding="utf-8"))
# Stages the issue names; each has vectors in the file.
STAGES = {
    "prefix", "base45", "length", "format version", "unknown region", "untrusted region",
    "unknown kid", "bad signature", "altered colour", "altered expiry",
    "issued in the future beyond the skew", "expired", "stale trust list",
    "revoked reference", "reference token not allowed",
}  # fmt: skip


# What a vector may need beyond the trust list set up here: a stage that needs rows (a printed
# code revoked, say) registers its setup under the vector's "needs".
async def revoked_printed_code(rt: Runtime) -> None:
    """A person whose paper code (the vectors' REVOKED_PRINTED) was printed again since."""
    person = await make_person(rt)
    printed = tv.NOW - timedelta(days=30)
    await PrintedCode.create(
        ref=tv.REVOKED_PRINTED.hex(),
        person_id=person.id,
        issued_at=printed,
        revoked_at=printed + timedelta(days=1),
        revoked_cause="reprint",
    )


SETUPS: dict[str, Callable[[Runtime], Awaitable[None]]] = {
    "revoked printed code": revoked_printed_code,
}
ACCEPTED = {"pass", "deny"}  # a verdict on a colour: the token was taken as genuine


async def trust_as_the_vectors_say(rt: Runtime, clock: FakeClock, folder: Path) -> None:
    """Beijing trusted now, Hebei trusted long enough ago for its list to be stale."""
    for key, adcode, before in (
        (tv.BEIJING, tv.BEIJING_CODE, None),
        (tv.HEBEI, tv.HEBEI_CODE, tv.HEBEI_ADDED_BEFORE),
    ):
        path = folder / f"{adcode}.json"
        path.write_text(json.dumps(jwks(Keyring(key))))
        clock.moment = tv.NOW - (before or tv.NOW - tv.NOW)
        await trust(rt, adcode, str(path), days=tv.TRUSTED_DAYS)
    clock.moment = tv.NOW


@pytest.fixture
async def scanner(
    aiohttp_client, settings: Settings, tmp_path: Path
) -> tuple[TestClient, str, FakeClock]:
    """A Tianjin server signing with the vectors' key, at the vectors' moment."""
    key_file = tmp_path / "signing.key"
    key_file.write_text(tv.OURS.private_bytes().hex() + "\n")
    clock = FakeClock(tv.NOW)
    ours = dataclasses.replace(settings, signing_key_file=key_file, trust_cache_seconds=0)
    client = await start_app(aiohttp_client, ours, clock)
    await trust_as_the_vectors_say(client.app[RUNTIME], clock, tmp_path)
    return client, (await add_staff("检查员甲", "checkpoint"))[1], clock


async def scan(client: TestClient, staff: str, token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {staff}"}
    response = await client.post("/api/checkpoint/scan", json={"token": token}, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


def test_the_file_is_what_the_script_makes() -> None:
    assert tv.FILE.read_text(encoding="utf-8") == tv.text(), (
        "run python -m tests.support.token_vectors"
    )


def test_there_are_at_least_40_vectors_covering_every_stage() -> None:
    vectors = VECTORS["vectors"]
    assert len(vectors) >= 40
    assert {vector["stage"] for vector in vectors} >= STAGES
    assert len({vector["name"] for vector in vectors}) == len(vectors)
    assert len({vector["token"] for vector in vectors}) == len(vectors)
    assert all(vector["verdict"] in ("invalid", "expired") for vector in vectors)


async def test_every_vector_is_refused_with_its_reason(
    scanner: tuple[TestClient, str, FakeClock],
) -> None:
    client, staff, _clock = scanner
    rt = client.app[RUNTIME]
    wrong = []
    for vector in VECTORS["vectors"]:
        if "needs" in vector:
            await SETUPS[vector["needs"]](rt)
        answer = await scan(client, staff, vector["token"])
        got = (answer["verdict"], answer["reason"])
        if got != (vector["verdict"], vector["reason"]) or answer["color"] is not None:
            wrong.append(f"{vector['stage']} / {vector['name']}: {got}, color {answer['color']}")
    assert not wrong, "\n".join(wrong)
    counts = Counter(vector["reason"] for vector in VECTORS["vectors"])
    assert counts["untrusted issuer"] >= 3 and counts["stale trust list"] >= 3


async def test_the_keys_behind_the_vectors_do_verify(
    scanner: tuple[TestClient, str, FakeClock],
) -> None:
    """The refusals above are for what was done to each token, not for a setup that refuses
    everything: unaltered tokens from the same keys pass."""
    client, staff, _clock = scanner
    rt = client.app[RUNTIME]
    await make_person(rt)
    ours = token_for(rt, await live_code(await Person.get())).token
    beijing = tv.token(tv.BEIJING, tv.BEIJING_CODE, Color.GREEN)
    for token, source in ((ours, "live"), (beijing, "signed")):
        answer = await scan(client, staff, token)
        assert (answer["verdict"], answer["source"]) == ("pass", source), answer


# --- the property ---------------------------------------------------------------------------

MUTATION_SETTINGS = settings(
    max_examples=150, suppress_health_check=list(HealthCheck), derandomize=True
)


@st.composite
def mutated(draw: st.DrawFn, token: str) -> str:
    """``token`` changed somewhere: characters replaced, inserted or removed, or its decoded
    bytes changed and encoded again (so that the change gets past base45)."""
    kind = draw(st.sampled_from(["text", "bytes", "bytes", "splice"]))
    if kind == "bytes":
        data = bytearray(tv.raw(token))
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(data) - 1))
            data[at] ^= draw(st.integers(1, 255))
        return tv.wrap(bytes(data))
    if kind == "splice":
        data = tv.raw(token)
        at = draw(st.integers(0, len(data)))
        cut = draw(st.integers(0, 3))
        return tv.wrap(data[:at] + draw(st.binary(max_size=3)) + data[at + cut :])
    chars = list(token)
    at = draw(st.integers(0, len(chars) - 1))
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    chars[at] = draw(st.sampled_from(alphabet).filter(lambda c: c != token[at]))
    return "".join(chars)


async def test_mutations_of_a_valid_token_are_never_accepted(
    scanner: tuple[TestClient, str, FakeClock], database_url: str
) -> None:
    client, staff, _clock = scanner
    rt = client.app[RUNTIME]
    await make_person(rt)
    person = await Person.get()
    sheet = await PrintedCode.create(
        ref=bytes(range(16)).hex(), person_id=person.id, issued_at=tv.NOW - timedelta(days=3)
    )
    valid = {
        "ours": token_for(rt, await live_code(person)).token,
        "Beijing's": tv.token(tv.BEIJING, tv.BEIJING_CODE, Color.RED),
        "our paper code's": reference_token(rt, sheet),
    }
    live = fuzz.LiveApp(client, asyncio.get_running_loop())
    headers = {"Authorization": f"Bearer {staff}"}
    accepted: list[str] = []

    def run(whose: str, token: str) -> None:
        assert live.request("POST", "/api/checkpoint/scan", json={"token": token}, headers=headers)

        @MUTATION_SETTINGS
        @given(candidate=mutated(token))
        def never_accepted(candidate: str) -> None:
            if candidate == token:
                return
            fuzz.CASES[f"{database_url.split(':', 1)[0]}: token mutations"] += 1
            status, body = live.request(
                "POST", "/api/checkpoint/scan", json={"token": candidate}, headers=headers
            )
            assert status == 200, body
            if json.loads(body)["verdict"] in ACCEPTED:
                accepted.append(f"{whose}: {candidate}")

        never_accepted()

    for whose, token in valid.items():
        await asyncio.to_thread(run, whose, token)
    assert not accepted, "\n".join(accepted)
