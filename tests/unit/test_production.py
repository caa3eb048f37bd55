"""A production start (``HC_ENV=prod``) refuses what development makes easy: the official
account's default secrets, plaintext mode (unless ``WECHAT_ALLOW_PLAINTEXT=1``) and the keys
development generates under ``data/``. Each refusal names the variable to set."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from bot.health.tokens import SigningKey
from bot.key_files import load_data_key
from bot.services.runtime import build_runtime
from bot.settings import Settings, SettingsError
from tests.conftest import AES_KEY

DATA_KEY = "ab" * 32


def production(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment of a production server that starts: every variable it needs, set."""
    key_file = tmp_path / "signing.key"
    key_file.write_text(SigningKey.generate().private_bytes().hex() + "\n")
    env = {
        "HC_ENV": "prod",
        "HC_DATA_DIR": str(tmp_path / "data"),
        "HC_DATA_KEY": DATA_KEY,
        "HC_SIGNING_KEY_FILE": str(key_file),
        "WECHAT_APPID": "wx51c0ffee00000001",
        "WECHAT_SECRET": "a-real-secret-of-the-account",
        "WECHAT_TOKEN": "a-real-token",
        "WECHAT_AES_KEY": AES_KEY,
    }
    return {k: v for k, v in (env | overrides).items() if v != ""}


def refusal(env: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as refused:
        build_runtime(Settings.from_env(env))
    return str(refused.value)


def test_a_production_server_with_its_own_secrets_and_keys_starts(tmp_path: Path) -> None:
    rt = build_runtime(Settings.from_env(production(tmp_path)))

    assert rt.settings.env == "prod" and rt.settings.wechat_aes_key == AES_KEY


@pytest.mark.parametrize(
    ("variable", "development"),
    [
        ("WECHAT_SECRET", "dev-secret"),
        ("WECHAT_TOKEN", "dev-token"),
        ("WECHAT_APPID", "wxdevappid000000"),
    ],
)
@pytest.mark.parametrize("given", ["left out", "set to the default"])
def test_the_development_secrets_are_refused(
    tmp_path: Path, variable: str, development: str, given: str
) -> None:
    env = production(tmp_path, **{variable: "" if given == "left out" else development})

    assert variable in refusal(env)


def test_plaintext_mode_is_refused_unless_allowed_on_purpose(tmp_path: Path) -> None:
    assert "WECHAT_AES_KEY" in refusal(production(tmp_path, WECHAT_AES_KEY=""))
    assert "WECHAT_AES_KEY" in refusal(
        production(tmp_path, WECHAT_AES_KEY="", WECHAT_ALLOW_PLAINTEXT="yes")
    )

    allowed = production(tmp_path, WECHAT_AES_KEY="", WECHAT_ALLOW_PLAINTEXT="1")
    assert build_runtime(Settings.from_env(allowed)).settings.wechat_aes_key is None


def test_every_problem_is_said_at_once(tmp_path: Path) -> None:
    said = refusal({"HC_ENV": "prod", "HC_DATA_KEY": DATA_KEY})

    for variable in ("WECHAT_SECRET", "WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_AES_KEY"):
        assert variable in said


def test_the_keys_development_made_are_refused(tmp_path: Path) -> None:
    dev = Settings(data_dir=tmp_path / "data")
    load_data_key(dev)  # development writes data/data.key (and, on first use, signing.key)
    build_runtime(dev)
    assert (tmp_path / "data" / "data.key").exists()

    without_data_key = production(tmp_path, HC_DATA_KEY="")
    without_signing_key = production(tmp_path, HC_SIGNING_KEY_FILE="")

    assert "HC_DATA_KEY" in refusal(without_data_key)
    assert "HC_SIGNING_KEY_FILE" in refusal(without_signing_key)


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(SettingsError, match="HC_ENV"):
        Settings.from_env({"HC_ENV": "production"})


def test_the_server_command_says_why_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in production(tmp_path, WECHAT_SECRET="dev-secret").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite://{tmp_path}/db.sqlite3")

    assert main(["serve"]) == 2
    assert "WECHAT_SECRET" in capsys.readouterr().err


def test_the_wechat_sandbox_is_refused(tmp_path: Path) -> None:
    # development's stand-in for WeChat would keep every notice in memory and deliver none
    assert "HC_WECHAT_SANDBOX" in refusal(production(tmp_path, HC_WECHAT_SANDBOX="1"))
    # without it asked for, production never turns it on, credentials or not
    assert Settings.from_env(production(tmp_path)).wechat_sandbox is False
    assert Settings.from_env({"HC_ENV": "prod"}).wechat_sandbox is False
