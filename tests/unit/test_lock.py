"""The lock files match pyproject.toml: a dependency added or narrowed there without running
scripts/lock fails here, not on the next fresh machine. Read offline, without resolving."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
NAME = canonicalize_name(PROJECT["project"]["name"])


def _pins(lock: str) -> dict[str, str]:
    """Name → version of every pin; each pin must carry its hashes (pip checks them)."""
    pins: dict[str, str] = {}
    lines = (REPO / lock).read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if match := PIN.match(line):
            assert lines[i + 1].strip().startswith("--hash=sha256:"), f"{lock}: {line} unhashed"
            pins[canonicalize_name(match[1])] = match[2]
    return pins


def _requirements(*extras: str) -> list[Requirement]:
    project = PROJECT["project"]
    texts = [*PROJECT["build-system"]["requires"], *project["dependencies"]]
    for extra in extras:
        texts += project["optional-dependencies"][extra]
    return [r for r in map(Requirement, texts) if canonicalize_name(r.name) != NAME]


@pytest.mark.parametrize(
    ("lock", "extras"),
    [("requirements.lock", ()), ("requirements-dev.lock", ("test", "dev"))],
)
def test_every_requirement_of_pyproject_is_pinned_within_its_range(
    lock: str, extras: tuple[str, ...]
) -> None:
    pins = _pins(lock)
    locked = {req: pins.get(canonicalize_name(req.name)) for req in _requirements(*extras)}
    stale = [
        f"{req} (locked: {version or 'nothing'})"
        for req, version in locked.items()
        if version is None or not req.specifier.contains(version, prereleases=True)
    ]
    assert stale == [], f"{lock} is older than pyproject.toml: run scripts/lock"


def test_the_server_lock_pins_what_the_dev_lock_pins() -> None:
    server, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {name: (version, dev.get(name)) for name, version in server.items()} == {
        name: (version, version) for name, version in server.items()
    }
