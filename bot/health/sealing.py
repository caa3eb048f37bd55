"""Personal data at rest: AES-GCM for the values, HMAC for the lookup key (docs/architecture.md).

One 32-byte data key feeds two derived keys (HKDF), so the cipher key and the hash key are
never the same bytes. Each sealed value is bound to its column (associated data), so a name
copied into the phone column does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_FORMAT = "v1:"
_NONCE_BYTES = 12


class SealError(ValueError):
    """A sealed value did not open: a wrong key, a wrong column or a damaged value."""


def _derive(data_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(data_key)


class Sealer:
    def __init__(self, data_key: bytes) -> None:
        if len(data_key) != 32:
            raise ValueError("the data key must be 32 bytes")
        self._aead = AESGCM(_derive(data_key, b"health-code seal v1"))
        self._lookup_key = _derive(data_key, b"health-code lookup v1")

    def seal(self, plaintext: str, column: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), column.encode())
        return _FORMAT + base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, column: str) -> str:
        if not sealed.startswith(_FORMAT):
            raise SealError("unknown format")
        try:
            raw = base64.b64decode(sealed.removeprefix(_FORMAT), validate=True)
            nonce, body = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
            return self._aead.decrypt(nonce, body, column.encode()).decode()
        except (ValueError, InvalidTag) as exc:
            raise SealError("the value does not open with this key") from exc

    def lookup_key(self, canonical: str) -> str:
        """The keyed hash that finds a record without decrypting anything."""
        return hmac.new(self._lookup_key, canonical.encode(), hashlib.sha256).hexdigest()
