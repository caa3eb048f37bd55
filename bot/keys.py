"""Loading the service's secrets: the data key and the signing keys (docs/architecture.md,
README.md).

In development a missing key is generated under ``data/``; in production it is an error that
names the variable to set, because a key made up at start-up would orphan every sealed record,
and a key development made (the files under ``data/``) is refused there too.

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
    if not settings.is_dev:
        # the file under data/ is what development made up: production names its own key
        raise SettingsError("HC_DATA_KEY is not set: 64 hex characters that seal personal data")
    path = settings.data_dir / "data.key"
    if path.exists():
        return _hex_key(path.read_text().strip(), str(path))
    _create_secret(path, os.urandom(32).hex() + "\n")
    # Read back rather than return what we made: another process starting beside this one may
    # have created the file first, and both must seal with the same key.
    return _hex_key(path.read_text().strip(), str(path))


def load_keyring(settings: Settings) -> Keyring:
    if not settings.is_dev and settings.signing_key_file is None:
        raise SettingsError(
            "HC_SIGNING_KEY_FILE is not set: production does not sign codes with the "
            "development key under data/"
        )
    path = signing_key_path(settings)
    if not path.exists():
        if not settings.is_dev:
            raise SettingsError(f"HC_SIGNING_KEY_FILE {path} does not exist")
        _create_secret(path, SigningKey.generate().private_bytes().hex() + "\n")
    keys = [SigningKey.from_private_bytes(_hex_key(line, str(path))) for line in _lines(path)]
    if not keys:
        raise SettingsError(f"the signing key file {path} is empty")
    return Keyring(keys[0], [key.public_bytes for key in keys[1:]])


def rotate_signing_key(settings: Settings) -> SigningKey:
    """Put a new signing key first; the old ones stay to verify tokens already issued."""
    path = signing_key_path(settings)
    new = SigningKey.generate()
    older = _lines(path) if path.exists() else []
    _replace_secret(path, "\n".join([new.private_bytes().hex(), *older]) + "\n")
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


def _create_secret(path: Path, text: str) -> None:
    """Create ``path`` holding ``text`` unless it already exists, never half-written.

    Two processes started together (a web server and the scheduler) both find the key missing.
    The file is written whole under a private name and then hard-linked into place: the link
    fails if the other process got there first, and a reader never sees an empty file.
    """
    temporary = _write_private(path, text)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _replace_secret(path: Path, text: str) -> None:
    os.replace(_write_private(path, text), path)


def _write_private(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return temporary
