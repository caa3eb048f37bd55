"""交接码: the one-time code a guardian gives so that a family member's record may change hands.

Eight characters of Crockford's base32 (40 bits): short enough to read out over the phone,
with no letters that look like digits (no I, L, O, U). What a person types is forgiven the way
Crockford's alphabet intends: case, spaces, dashes, full-width characters, and O for 0, I or L
for 1. The code is shown in two groups of four (``K7Q2-M9XD``).
"""

from __future__ import annotations

import secrets
import unicodedata
from enum import StrEnum

from bot.health.errors import InvalidInput

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 8
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_.·")


class Purpose(StrEnum):
    """What redeeming a code does to the record it names."""

    HAND_OVER = "hand_over"  # the member takes their own record over, with their own WeChat
    ADD_GUARDIAN = "add_guardian"  # one more family member acts for the record


def new_transfer_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def parse_transfer_code(raw: str) -> str:
    """The code a person typed, in its canonical form; ``InvalidInput`` when it cannot be one."""
    folded = unicodedata.normalize("NFKC", raw).upper().translate(_SEPARATORS)
    code = folded.translate(_LOOKALIKES)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        raise InvalidInput("transfer.code_format", length=LENGTH)
    return code


def display_transfer_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"
