"""``python -m bot …`` run as an operator runs it: a subprocess from the repository root, its
settings in the environment (README.md)."""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.db import close_database, open_database
from bot.health.colors import Color
from bot.health.tokens import TokenInvalid, issue_token, jwks, verify_token
from bot.key_files import load_keyring, signing_key_path
from bot.services.access.staff import authenticate
from bot.services.runtime import build_runtime
from bot.settings import Settings
from tests.support import databases
from tests.support.cli import run_bot

TOKEN = re.compile(r"hc_[a-z]{2}_[A-Za-z0-9_-]{20,}")
KID = re.compile(r"kid=([0-9a-f]{16})\b")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "x.sqlite3"


@pytest.fixture
def sqlite_url(sqlite_path: Path) -> str:
    return f"sqlite://{sqlite_path}"


def staff_rows(path: Path) -> list[tuple[str, str, str, int]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT name, role, token_hash, active FROM staff ORDER BY id").fetchall()


# --- add-staff -------------------------------------------------------------------------------


async def test_add_staff_prints_a_token_once_and_stores_only_its_hash(
    data_dir: Path, sqlite_path: Path, sqlite_url: str
) -> None:
    done = run_bot(
        "add-staff",
        "--name",
        "张三",
        "--role",
        "checkpoint",
        data_dir=data_dir,
        database_url=sqlite_url,
    )
    assert done.returncode == 0, done.stderr
    tokens = TOKEN.findall(done.stdout)
    assert len(tokens) == 1 and done.stdout.count(tokens[0]) == 1
    token = tokens[0]
    assert "张三" in done.stdout and "checkpoint" in done.stdout
    assert token not in done.stderr  # never in the logs

    [(name, role, token_hash, active)] = staff_rows(sqlite_path)
    assert (name, role, active) == ("张三", "checkpoint", 1)
    assert token_hash == hashlib.sha256(token.encode()).hexdigest()
    for file in sqlite_path.parent.glob("x.sqlite3*"):  # the database and its journal
        assert token.encode() not in file.read_bytes()

    # The printed token is the one the service accepts.
    await open_database(sqlite_url)
    try:
        rt = build_runtime(Settings(data_dir=data_dir, database_url=sqlite_url))
        staff = await authenticate(rt, token, "checkpoint")
    finally:
        await close_database()
    assert staff.name == "张三" and staff.role == "checkpoint"


def test_each_worker_gets_a_different_token(
    data_dir: Path, sqlite_path: Path, sqlite_url: str
) -> None:
    outputs = [
        run_bot(
            "add-staff", "--name", name, "--role", role, data_dir=data_dir, database_url=sqlite_url
        )
        for name, role in (("张三", "checkpoint"), ("李四", "official"))
    ]
    assert [done.returncode for done in outputs] == [0, 0]
    tokens = [TOKEN.search(done.stdout)[0] for done in outputs]
    assert tokens[0] != tokens[1]
    rows = staff_rows(sqlite_path)
    assert [(name, role) for name, role, _, _ in rows] == [
        ("张三", "checkpoint"),
        ("李四", "official"),
    ]
    assert [row[2] for row in rows] == [hashlib.sha256(t.encode()).hexdigest() for t in tokens]


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "张三", "--role", "boss"],
        ["--name", "张三", "--role", "CHECKPOINT"],
        ["--name", "张三"],
        ["--role", "checkpoint"],
    ],
    ids=["unknown-role", "role-in-capitals", "no-role", "no-name"],
)
def test_a_bad_add_staff_command_exits_with_a_usage_message(
    data_dir: Path, sqlite_path: Path, sqlite_url: str, args: list[str]
) -> None:
    done = run_bot("add-staff", *args, data_dir=data_dir, database_url=sqlite_url)
    assert done.returncode != 0
    assert "usage:" in done.stderr and "add-staff" in done.stderr
    assert "Traceback" not in done.stderr
    assert not TOKEN.search(done.stdout + done.stderr)
    assert not sqlite_path.exists() or staff_rows(sqlite_path) == []


@pytest.mark.parametrize("name", ["", "   ", "张" * 65], ids=["empty", "blank", "too-long"])
def test_a_bad_name_is_refused_with_a_sentence_not_a_traceback(
    data_dir: Path, sqlite_path: Path, sqlite_url: str, name: str
) -> None:
    done = run_bot(
        "add-staff",
        "--name",
        name,
        "--role",
        "official",
        data_dir=data_dir,
        database_url=sqlite_url,
    )
    assert done.returncode != 0
    assert not TOKEN.search(done.stdout)
    assert "Traceback" not in done.stderr
    assert "name" in done.stderr


# --- keys ------------------------------------------------------------------------------------


def _token(keyring, now: datetime) -> str:
    return issue_token(
        keyring,
        code_id=secrets.token_bytes(16),
        color=Color.GREEN,
        region=120000,
        rules_version="1",
        now=now,
        lifetime=timedelta(seconds=120),
    )


def test_keys_rotate_keeps_the_old_key_verifying(data_dir: Path, sqlite_url: str) -> None:
    settings = Settings(data_dir=data_dir)
    before = load_keyring(settings)  # development: the first key is made on first use
    now = datetime.now(UTC).replace(microsecond=0)
    old_token = _token(before, now)
    private_hex = signing_key_path(settings).read_text().strip()

    done = run_bot("keys", "rotate", data_dir=data_dir, database_url=sqlite_url)
    assert done.returncode == 0, done.stderr
    kids = KID.findall(done.stdout)
    assert len(kids) == 2 and len(set(kids)) == 2
    new_kid, old_kid = kids
    assert old_kid == before.current.kid.hex()
    assert f"new signing key {new_kid}" in done.stdout
    assert private_hex not in done.stdout + done.stderr

    after = load_keyring(settings)
    assert after.current.kid.hex() == new_kid
    assert verify_token(after, old_token, now=now + timedelta(seconds=60)).kid.hex() == old_kid
    new_token = _token(after, now)
    assert verify_token(after, new_token, now=now).kid.hex() == new_kid
    with pytest.raises(TokenInvalid):
        verify_token(before, new_token, now=now)  # a scanner that never fetched the new key
    assert [key["kid"] for key in jwks(after)["keys"]] == [new_kid, old_kid]
    assert signing_key_path(settings).stat().st_mode & 0o077 == 0  # private: owner only


def test_keys_show_changes_nothing_and_a_second_rotation_keeps_both_old_keys(
    data_dir: Path, sqlite_url: str
) -> None:
    settings = Settings(data_dir=data_dir)
    first = load_keyring(settings).current.kid.hex()
    shown = run_bot("keys", "show", data_dir=data_dir, database_url=sqlite_url)
    assert shown.returncode == 0 and KID.findall(shown.stdout) == [first]
    assert run_bot("keys", "rotate", data_dir=data_dir, database_url=sqlite_url).returncode == 0
    again = run_bot("keys", "rotate", data_dir=data_dir, database_url=sqlite_url)
    kids = KID.findall(again.stdout)
    assert len(kids) == 3 and kids[-1] == first and len(set(kids)) == 3
    assert load_keyring(settings).current.kid.hex() == kids[0]


def test_a_bad_keys_action_exits_with_a_usage_message(data_dir: Path, sqlite_url: str) -> None:
    done = run_bot("keys", "delete", data_dir=data_dir, database_url=sqlite_url)
    assert done.returncode != 0 and "usage:" in done.stderr
    assert not signing_key_path(Settings(data_dir=data_dir)).exists()


# --- migrate ---------------------------------------------------------------------------------


def test_migrate_twice_in_a_row_succeeds_on_sqlite(
    data_dir: Path, sqlite_path: Path, sqlite_url: str
) -> None:
    for _ in range(2):
        done = run_bot("migrate", data_dir=data_dir, database_url=sqlite_url)
        assert done.returncode == 0, done.stderr
        assert "migrations applied" in done.stdout
    with sqlite3.connect(sqlite_path) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"person", "account", "health_code", "notice", "staff", "scan_log"} <= tables


@pytest.mark.skipif(not databases.POSTGRES_URL, reason="TEST_POSTGRES_URL is not set")
async def test_migrate_twice_in_a_row_succeeds_on_postgres(data_dir: Path) -> None:
    # A database of its own, so the shared test database's schema is left alone.
    name = f"hc_cli_{secrets.token_hex(4)}"
    admin_dsn = databases._asyncpg_dsn(databases.POSTGRES_URL)
    base, _, _ = databases.POSTGRES_URL.rpartition("/")
    url = f"{base}/{name}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            for _ in range(2):
                done = run_bot("migrate", data_dir=data_dir, database_url=url)
                assert done.returncode == 0, done.stderr
                assert "migrations applied" in done.stdout
            conn = await asyncpg.connect(databases._asyncpg_dsn(url))
            try:
                tables = {
                    row["tablename"]
                    for row in await conn.fetch(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                }
            finally:
                await conn.close()
            assert {"person", "account", "health_code", "notice", "staff"} <= tables
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def test_no_command_prints_the_usage(data_dir: Path, sqlite_url: str) -> None:
    done = run_bot(data_dir=data_dir, database_url=sqlite_url)
    assert done.returncode == 2
    assert "usage:" in done.stderr and "add-staff" in done.stderr
