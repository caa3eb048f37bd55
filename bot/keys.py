"""Loading the service's secrets: the data key and the signing keys (DESIGN.md §6, §7, §10).

In development a missing key is generated under ``data/``; in production it is an error that
names the variable to set, because a key made up at start-up would orphan every sealed record.

The signing key file holds one private key per line, in hex, newest first: the first signs,
the others only verify, so a rotation keeps yesterday's tokens valid until they expire.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.health.tokens import Keyring, SigningKey
from bot.settings import Settings, SettingsError


def load_data_key(settings: Settings) -> bytes:
    if settings.data_key_hex:
        return _hex_key(settings.data_key_hex, "HC_DATA_KEY")
    path = settings.data_dir / "data.key"
    if path.exists():
        return _hex_key(path.read_text().strip(), str(path))
    if not settings.is_dev:
        raise SettingsError("HC_DATA_KEY is not set: 64 hex characters that seal personal data")
    key = os.urandom(32)
    _write_secret(path, key.hex() + "\n")
    return key


def load_keyring(settings: Settings) -> Keyring:
    path = signing_key_path(settings)
    if not path.exists():
        if not settings.is_dev:
            raise SettingsError(f"HC_SIGNING_KEY_FILE {path} does not exist")
        _write_secret(path, SigningKey.generate().private_bytes().hex() + "\n")
    keys = [SigningKey.from_private_bytes(_hex_key(line, str(path))) for line in _lines(path)]
    if not keys:
        raise SettingsError(f"the signing key file {path} is empty")
    return Keyring(keys[0], [key.public_bytes for key in keys[1:]])


def rotate_signing_key(settings: Settings) -> SigningKey:
    """Put a new signing key first; the old ones stay to verify tokens already issued."""
    path = signing_key_path(settings)
    new = SigningKey.generate()
    older = _lines(path) if path.exists() else []
    _write_secret(path, "\n".join([new.private_bytes().hex(), *older]) + "\n")
    return new


def signing_key_path(settings: Settings) -> Path:
    return settings.signing_key_file or settings.data_dir / "signing.key"


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _hex_key(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise SettingsError(f"{where}: a key must be 64 hex characters")
    return key


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
