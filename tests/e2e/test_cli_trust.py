"""``healthcode trust add|list|refresh|remove`` as an operator runs it (real processes, on
SQLite and PostgreSQL): what it prints, what it stores, what it audits, what it refuses."""

from __future__ import annotations

import json
from pathlib import Path

from bot.health.tokens import Keyring, SigningKey, jwks
from models.audit import AuditEntry
from models.trust import TrustedRegion
from tests.support.cli import run_bot

BEIJING_KEY = SigningKey.from_private_bytes(bytes.fromhex("b1" * 32))
REGION = {"adcode": 110000, "name": "北京市", "name_en": "Beijing"}


def trust(db: str, tmp_path: Path, *args: str):
    return run_bot("trust", *args, data_dir=tmp_path / "data", database_url=db)


async def test_add_list_refresh_remove_each_audited(db: str, tmp_path: Path) -> None:
    keys = tmp_path / "beijing.json"
    keys.write_text(json.dumps(jwks(Keyring(BEIJING_KEY)) | {"region": REGION}))
    added = trust(db, tmp_path, "add", "110000", str(keys), "--days", "3")
    assert added.returncode == 0, added.stderr
    kid = BEIJING_KEY.kid.hex()
    assert f"trusted 110000 北京市 kids={kid} stale from " in added.stdout
    row = await TrustedRegion.get(adcode=110000)
    assert (row.expires_at - row.fetched_at).days == 3 and row.source == str(keys)

    listed = trust(db, tmp_path, "list")
    assert listed.returncode == 0 and listed.stdout.startswith(f"110000 北京市 kids={kid}")
    refreshed = trust(db, tmp_path, "refresh")
    assert refreshed.returncode == 0 and "110000 refreshed from" in refreshed.stdout
    removed = trust(db, tmp_path, "remove", "110000")
    assert removed.returncode == 0 and "removed 110000 北京市" in removed.stdout
    assert trust(db, tmp_path, "list").stdout == ""
    actions = await AuditEntry.all().order_by("id").values_list("action", flat=True)
    assert actions == ["trust.add", "trust.refresh", "trust.remove"]


async def test_refusals_are_one_sentence_and_change_nothing(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}]}))
    for args, message in [
        (("add", "110000", str(bad)), "only Ed25519 keys"),
        (("add", "110000", str(tmp_path / "none.json")), "cannot be read"),
        (("add", "120000", str(bad)), "this service's own region"),
        (("remove", "110000"), "region 110000 is not in the trust list"),
    ]:
        done = trust(db, tmp_path, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert await TrustedRegion.all().count() == 0 and await AuditEntry.all().count() == 0
    usage = trust(db, tmp_path, "add", "beijing", str(bad))
    assert usage.returncode == 2 and "invalid int value" in usage.stderr


async def test_a_refresh_that_fails_exits_1_and_keeps_the_keys(db: str, tmp_path: Path) -> None:
    keys = tmp_path / "beijing.json"
    keys.write_text(json.dumps(jwks(Keyring(BEIJING_KEY)) | {"region": REGION}))
    assert trust(db, tmp_path, "add", "110000", str(keys)).returncode == 0
    keys.write_text("not json")
    done = trust(db, tmp_path, "refresh")
    assert (
        done.returncode == 1 and "110000 not refreshed" in done.stderr and "not JSON" in done.stderr
    )
    assert (await TrustedRegion.get(adcode=110000)).keys[0]["kid"] == BEIJING_KEY.kid.hex()
