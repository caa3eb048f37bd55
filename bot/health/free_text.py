"""Free text a person typed, made fit to keep: every document or phone number in it masked
(``张三 11010519491231002X`` → ``张三 1101**********002X``), the rest as written."""

from __future__ import annotations

import re

from bot.health.identity import mask_document, mask_phone

# a run of at least five digits, which may start with up to three letters (H12345678,
# E12345678), end with a checksum X, and be written in groups ("138 1234 5678", "+852-…")
_NUMBER = re.compile(r"(?<![A-Za-z0-9])\+?[A-Za-z]{0,3}(?:\d[ -]?){4,}\d[Xx]?(?![A-Za-z0-9])")
_MAINLAND_MOBILE = re.compile(r"1\d{10}")


def mask_numbers(text: str) -> str:
    return _NUMBER.sub(_masked, text)


def _masked(found: re.Match[str]) -> str:
    number = re.sub(r"[ -]", "", found.group(0))
    if number.startswith("+") or _MAINLAND_MOBILE.fullmatch(number):
        return mask_phone(number)
    return mask_document(number)
