"""Running ``python -m bot …`` as a real process, with only the settings a test gives it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Settings a developer's shell may hold; the commands under test must see only ours.
_OURS = ("HC_", "DATABASE_URL", "WECHAT_", "MINIAPP_", "PUBLIC_BASE_URL", "HOST", "PORT")


def operator_env(**settings: str) -> dict[str, str]:
    """This process's environment without the service's settings, plus ``settings``."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_OURS)} | settings


def run_bot(
    *args: str, data_dir: Path, database_url: str, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    env = operator_env(HC_DATA_DIR=str(data_dir), DATABASE_URL=database_url, **extra_env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
