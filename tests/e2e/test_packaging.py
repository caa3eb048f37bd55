"""The service as an operator installs it: the wheel built from this checkout, installed into a
fresh virtual environment, its ``healthcode`` command run from directories that are not the
checkout. Offline: the build backend (setuptools, in the lock) builds without isolation, and the
fresh environment takes the dependencies from this one through a ``.pth`` line, so it holds
nothing of the project but the wheel."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path
from zipfile import ZipFile

import pytest

from tests.support.cli import operator_env

REPO = Path(__file__).resolve().parents[2]
PACKAGES = {"bot", "handlers", "models", "schedules"}
# What a checkout holds that is never copied: caches, environments, earlier builds.
_NOT_SOURCE = {".git", ".venv", "__pycache__", ".hypothesis", ".pytest_cache", ".ruff_cache"}
_TOP_LEVEL_OUTPUT = {"data", "build", "dist"}


def _copy_checkout(target: Path) -> None:
    def ignored(folder: str, names: list[str]) -> set[str]:
        top = Path(folder) == REPO
        return {
            name
            for name in names
            if name in _NOT_SOURCE
            or name.endswith(".egg-info")
            or (top and name in _TOP_LEVEL_OUTPUT)
        }

    shutil.copytree(REPO, target, ignore=ignored)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("checkout") / "health-code-bot"
    _copy_checkout(source)
    # a running server's files, where a checkout keeps them: they must never ship
    (source / "data").mkdir()
    (source / "data" / "healthcode.sqlite3").write_bytes(b"not a package")
    out = tmp_path_factory.mktemp("wheel")
    build = "import sys; from setuptools import build_meta; build_meta.build_wheel(sys.argv[1])"
    subprocess.run(
        [sys.executable, "-c", build, str(out)],
        cwd=source,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", root], check=True, timeout=60)
    python = root / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    Path(site, "_dependencies.pth").write_text("".join(f"{path}\n" for path in ours))
    pip = [sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "install", "--quiet", "--no-deps", "--no-index", wheel],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return root


def _env(**settings: str) -> dict[str, str]:
    env = operator_env(**settings)
    env.pop("PYTHONPATH", None)  # the checkout must not be reachable
    return env


def test_the_wheel_holds_the_service_and_its_data_and_nothing_else(wheel: Path) -> None:
    with ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (entry_points,) = (n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    shipped = {name for name in names if ".dist-info/" not in name}
    on_disk = {
        path.relative_to(REPO).as_posix()
        for package in PACKAGES
        for path in (REPO / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")
    }
    assert {name.split("/")[0] for name in shipped} == PACKAGES  # no tests/, bench/, data/
    assert sorted(on_disk - shipped) == [], "files under the packages that the wheel lacks"
    assert sorted(shipped - on_disk) == []
    assert "healthcode = bot.__main__:main" in scripts


def test_the_installed_command_works_from_any_directory(venv: Path, tmp_path: Path) -> None:
    healthcode = venv / "bin" / "healthcode"
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import bot; print(bot.__file__)"],
        cwd=tmp_path,
        env=_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert Path(where.strip()).is_relative_to(venv), where  # the wheel's, not the checkout's

    anywhere = tmp_path / "anywhere"
    anywhere.mkdir()
    helped = subprocess.run(
        [healthcode, "--help"], cwd=anywhere, env=_env(), capture_output=True, text=True
    )
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: healthcode")

    migrated = subprocess.run(
        [healthcode, "migrate"], cwd=anywhere, env=_env(), capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr
    assert "migrations applied" in migrated.stdout
    assert (anywhere / "data" / "healthcode.sqlite3").is_file()  # data/ beside the operator


def test_the_installed_server_answers_from_its_package_data(venv: Path, tmp_path: Path) -> None:
    elsewhere, keys = tmp_path / "elsewhere", tmp_path / "keys"
    elsewhere.mkdir()
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [venv / "bin" / "healthcode", "serve"],
        cwd=elsewhere,
        env=_env(HC_DATA_DIR=str(keys), PORT=str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert _wait_for(f"{base}/healthz", server) == 200
        # the sign-in page is a sentence of bot/texts/zh/console.toml, read from the wheel
        with urllib.request.urlopen(f"{base}/console/login", timeout=10) as page:
            assert "healthcode add-staff" in page.read().decode()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            _, log = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            _, log = server.communicate()
    assert server.returncode == 0, log
    # HC_DATA_DIR holds the keys and, without DATABASE_URL, the SQLite file; nothing goes in cwd
    assert {"healthcode.sqlite3", "signing.key", "data.key"} <= {p.name for p in keys.iterdir()}
    assert list(elsewhere.iterdir()) == []


def _wait_for(url: str, server: subprocess.Popen[str], seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"healthcode serve exited {server.returncode}: {server.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return answer.status
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"healthcode serve did not answer {url} within {seconds} s")
