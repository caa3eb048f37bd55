"""The service type-checks (mypy with ``[tool.mypy]`` of ``pyproject.toml``, as
``./scripts/typecheck`` runs it). Part of the suite, so a change that breaks the types is seen
by whoever runs the tests before landing it, not only by ``.ci/run``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_service_type_checks() -> None:
    pytest.importorskip("mypy", reason="mypy is in the dev extra: ./scripts/install --dev")
    run = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr
