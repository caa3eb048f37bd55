"""Loading the service's secrets: the data key and the signing keys (docs/architecture.md,
README.md).

In development a missing key is generated under ``data/``; in production it is an error that
names the variable to set, because a key made up at start-up would orphan every sealed record,
and a key development made (the files under ``data/``) is refused there too.

The signing key file holds one private key per line, in hex, newest first: the first signs,
the others only verify, so a rotation keeps yesterday's tokens valid until they expire. After
the hex, a verify-only line may say when that key stopped signing (``keys rotate`` writes it,
as an ISO 8601 UTC moment): the published key set leaves a key out once no token it signed can
still be valid (bot/services/codes/published_keys.py). A line without it is published for as
long as it stays.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
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
    entries = [_key_line(line, str(path)) for line in _lines(path)]
    if not entries:
        raise SettingsError(f"the signing key file {path} is empty")
    keys = [key for key, _ in entries]
    retired = {key.public_bytes: when for key, when in entries[1:] if when is not None}
    return Keyring(keys[0], [key.public_bytes for key in keys[1:]], retired)


def rotate_signing_key(settings: Settings, now: datetime | None = None) -> SigningKey:
    """Put a new signing key first; the old ones stay to verify tokens already issued, the
    one that signed until now marked with the moment it stopped."""
    path = signing_key_path(settings)
    new = SigningKey.generate()
    older = _lines(path) if path.exists() else []
    if older and len(older[0].split()) == 1:
        moment = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        older[0] = f"{older[0]} {moment}"
    _replace_secret(path, "\n".join([new.private_bytes().hex(), *older]) + "\n")
    return new


def key_file_stamp(settings: Settings) -> tuple[int, ...] | None:
    """What changes when the signing key file is replaced (a rotation writes a new file)."""
    try:
        found = os.stat(signing_key_path(settings))
    except OSError:
        return None
    return (found.st_ino, found.st_mtime_ns, found.st_size)


def signing_key_path(settings: Settings) -> Path:
    return settings.signing_key_file or settings.data_dir / "signing.key"


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def _key_line(line: str, where: str) -> tuple[SigningKey, datetime | None]:
    hex_key, _, retired = line.partition(" ")
    key = SigningKey.from_private_bytes(_hex_key(hex_key, where))
    if not retired.strip():
        return key, None
    try:
        moment = datetime.fromisoformat(retired.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise SettingsError(f"{where}: after a key, only the UTC moment it stopped signing")
    return key, moment


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
