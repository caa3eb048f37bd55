"""Identity documents, names and phone numbers: checked, normalised and masked for display.

Every ``parse_*`` returns the normalised value or raises ``InvalidInput`` whose code names the
sentence that tells the person what to fix; each parser accepts its own output unchanged.

Sources for the document rules:
- 居民身份证: GB 11643-1999 (6-digit address code, YYYYMMDD birth date, 3-digit sequence,
  ISO 7064 MOD 11-2 check character); province codes from GB/T 2260, plus 81/82/83 which the
  residence permits of Hong Kong, Macao and Taiwan residents carry (2018).
- 外国人永久居留身份证: the National Immigration Administration's machine-readable rules for the
  2023 card ("新版外国人永久居留身份证机读信息规则", 2023-10): the number went from 15 characters
  (3 Latin letters + 12 digits) to 18 (17 digits + check character); the first digit is 9, the
  check is MOD 11-2 as for citizens. Within it, as two independent public validators read the
  rules' table: 9, the 2-digit province of the issuing office, the 3-digit numeric country
  code, the birth date YYYYMMDD, a 3-digit sequence, the check (1+2+3+8+3 = 17 body digits).
  The country code is not looked up: a list kept here would go stale and refuse new codes.
  For the 2017 card the rules publish only "3 letters + 12 digits"; third-party validators
  disagree on the inner layout and on a check digit, so we check the shape alone rather than
  turn away real cards on a guess.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from functools import lru_cache

from bot.health.errors import InvalidInput


class DocType(StrEnum):
    RESIDENT_ID = "resident_id"
    HK_MACAU_PERMIT = "hk_macau_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    PASSPORT = "passport"
    FOREIGN_PERMANENT_RESIDENT = "foreign_permanent_resident"


# The declaration's step 2 numbers its choices 1..5 in this order (docs/architecture.md, a
# contract).
DOC_TYPES_IN_MENU_ORDER: tuple[DocType, ...] = (
    DocType.RESIDENT_ID,
    DocType.HK_MACAU_PERMIT,
    DocType.TAIWAN_PERMIT,
    DocType.PASSPORT,
    DocType.FOREIGN_PERMANENT_RESIDENT,
)


def parse_doc_type(raw: str) -> DocType:
    """The document type chosen by its menu number (``"1"``..``"5"``) or by its value."""
    text = _fold(raw)
    if text.isascii() and text.isdigit() and 1 <= int(text) <= len(DOC_TYPES_IN_MENU_ORDER):
        return DOC_TYPES_IN_MENU_ORDER[int(text) - 1]
    try:
        return DocType(text)
    except ValueError:
        raise InvalidInput("identity.doc_type_choice", count=len(DOC_TYPES_IN_MENU_ORDER)) from None


def _fold(raw: str) -> str:
    """Full-width forms to ASCII, outer spaces off, lower case: for matching menu answers."""
    return unicodedata.normalize("NFKC", raw).strip().lower()


# --- names -------------------------------------------------------------------------------

NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 30
NAME_DOT = "·"  # U+00B7, the separator the public security registers write in names
# Dots people type for it: the bullet, the katakana middle dot of Japanese input methods (and
# its half-width form, which NFKC turns into it), the hyphenation point, two math dots. A full
# stop is not accepted: in "John F. Kennedy" it marks an abbreviation, and passports have none.
_NAME_DOT_VARIANTS = str.maketrans(dict.fromkeys("•・‧∙⋅", NAME_DOT))


def parse_name(raw: str) -> str:
    """A person's name: 2 to 30 characters of Chinese, Latin letters, spaces and ``·``.

    NFKC turns full-width letters and spaces into plain ones (safe for names: it only folds
    presentation forms, and compatibility ideographs into the unified ones registers use).
    Spaces are trimmed and collapsed, dropped around ``·`` and between two Chinese characters
    (``张 三`` is ``张三``). Letter case is kept as typed: compare names with ``casefold()``.
    """
    name = _normalise_name(raw)
    if not all(_is_name_letter(ch) or ch in (" ", NAME_DOT) for ch in name):
        raise InvalidInput("identity.name_characters")
    if name.startswith(NAME_DOT) or name.endswith(NAME_DOT) or NAME_DOT * 2 in name:
        raise InvalidInput("identity.name_separator")
    if len(name) < NAME_MIN_LENGTH:
        raise InvalidInput("identity.name_too_short", min=NAME_MIN_LENGTH)
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput("identity.name_too_long", max=NAME_MAX_LENGTH)
    return name


def _normalise_name(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).translate(_NAME_DOT_VARIANTS)
    text = " ".join(text.split())
    text = text.replace(f" {NAME_DOT}", NAME_DOT).replace(f"{NAME_DOT} ", NAME_DOT)
    return _join_han_words(text.split(" "))


def _join_han_words(words: list[str]) -> str:
    joined = words[0]
    for word in words[1:]:
        joined += ("" if _is_han(joined[-1]) and _is_han(word[0]) else " ") + word
    return joined


def _is_han(ch: str) -> bool:
    # Rare characters in names (生僻字) live in the extensions B..H, hence the name test; 〇
    # (U+3007) is a Han numeral some given names use.
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")) or ch == "〇"


@lru_cache(maxsize=8192)
def _is_latin(ch: str) -> bool:
    # Accented letters (José, Müller) are Latin letters too: passports print them so. Cached:
    # every code shown masks a name, and a city's names share a few thousand characters, each
    # looked up by its Unicode name otherwise.
    return ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN ")


def _is_name_letter(ch: str) -> bool:
    return _is_han(ch) or _is_latin(ch)


# --- documents ---------------------------------------------------------------------------

# Province-level codes that begin a citizen's number (GB/T 2260): 11-15 north, 21-23 north-east,
# 31-37 east, 41-46 centre-south, 50-54 south-west, 61-65 north-west, 71 Taiwan; 81 Hong Kong,
# 82 Macao and 83 Taiwan begin the residence permits of their residents (same number format).
MAINLAND_PROVINCES: frozenset[str] = frozenset(
    f"{code:02d}"
    for code in (
        *range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55),
        *range(61, 66),
    )
)  # fmt: skip
RESIDENT_ID_PROVINCES: frozenset[str] = MAINLAND_PROVINCES | {"71", "81", "82", "83"}
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
_HK_MACAU_PERMIT = re.compile(r"[HM][0-9]{8}(?:[0-9]{2})?")
_TAIWAN_PERMIT = re.compile(r"[0-9]{8}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,17}")
_PERMANENT_2017 = re.compile(r"[A-Z]{3}[0-9]{12}")
_PERMANENT_2023 = re.compile(r"9[0-9]{16}[0-9X]")
# ISO 7064 MOD 11-2: weight 2**(17-i) mod 11 for the i-th digit; the sum mod 11 picks the check.
_MOD11_2_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_MOD11_2_CHECK = "10X98765432"
_DASHES = "-‐‑‒–—―−"


def parse_document(doc_type: DocType, raw: str, today: date) -> str:
    """The document number checked against the rules of its type, in canonical form.

    Canonical form: NFKC (full-width letters and digits), spaces and dashes removed, upper case.
    ``today`` bounds birth dates encoded in the number: nobody is born tomorrow.
    """
    number = _compact_document(raw)
    _DOCUMENT_CHECKS[DocType(doc_type)](number, today)
    return number


def document_lookup_form(doc_type: DocType, number: str) -> str:
    """The string the keyed hash is taken over: the same document always gives the same one,
    however it was typed (an authority's feed may write ``x`` where a resident wrote ``X``)."""
    return f"{DocType(doc_type)}:{_compact_document(number)}"


def _compact_document(raw: str) -> str:
    if raw.isascii() and raw.isalnum():  # as almost every feed writes it: nothing to remove
        return raw.upper()
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if not ch.isspace() and ch not in _DASHES).upper()


def _check_resident_id(number: str, today: date) -> None:
    if not _RESIDENT_ID.fullmatch(number):
        raise InvalidInput("identity.resident_id_format")
    if number[:2] not in RESIDENT_ID_PROVINCES:
        raise InvalidInput("identity.province", prefix=number[:2])
    if not _is_birth_date(number[6:14], today):
        raise InvalidInput("identity.birth_date", birth=number[6:14])
    if _mod11_2_check(number[:17]) != number[17]:
        raise InvalidInput("identity.checksum")


def _check_permanent_resident(number: str, today: date) -> None:
    if _PERMANENT_2017.fullmatch(number):
        return
    if not _PERMANENT_2023.fullmatch(number):
        raise InvalidInput("identity.permanent_format")
    # Issued by an exit-entry office of a mainland province, where the holder applied.
    if number[1:3] not in MAINLAND_PROVINCES:
        raise InvalidInput("identity.permanent_province", prefix=number[1:3])
    if not _is_birth_date(number[6:14], today):
        raise InvalidInput("identity.permanent_birth_date", birth=number[6:14])
    if _mod11_2_check(number[:17]) != number[17]:
        raise InvalidInput("identity.permanent_checksum")


def _check_hk_macau_permit(number: str, today: date) -> None:
    if not _HK_MACAU_PERMIT.fullmatch(number):
        raise InvalidInput("identity.hk_macau_format")


def _check_taiwan_permit(number: str, today: date) -> None:
    if not _TAIWAN_PERMIT.fullmatch(number):
        raise InvalidInput("identity.taiwan_format")


def _check_passport(number: str, today: date) -> None:
    if not _PASSPORT.fullmatch(number):
        raise InvalidInput("identity.passport_format")


def _is_birth_date(yyyymmdd: str, today: date) -> bool:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return EARLIEST_BIRTH_DATE <= born <= today


def _mod11_2_check(body: str) -> str:
    if len(body) != len(_MOD11_2_WEIGHTS):
        raise ValueError("a body of 17 digits")
    total = sum(map(operator.mul, map(int, body), _MOD11_2_WEIGHTS))
    return _MOD11_2_CHECK[total % 11]


_DOCUMENT_CHECKS: dict[DocType, Callable[[str, date], None]] = {
    DocType.RESIDENT_ID: _check_resident_id,
    DocType.HK_MACAU_PERMIT: _check_hk_macau_permit,
    DocType.TAIWAN_PERMIT: _check_taiwan_permit,
    DocType.PASSPORT: _check_passport,
    DocType.FOREIGN_PERMANENT_RESIDENT: _check_permanent_resident,
}


# --- phone numbers -----------------------------------------------------------------------

_MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_MOBILE_PREFIX = re.compile(r"1[3-9]")
# 0, an area code of 2-3 digits, a subscriber number of 7-8 digits (022-2345 6789, Tianjin).
_MAINLAND_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")
# E.164: a country code (never starting with 0) and the number, 15 digits at most; 7 at least
# because the shortest country code (1 digit) takes 6 more to reach anyone.
_INTERNATIONAL = re.compile(r"[1-9][0-9]{6,14}")
_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑–—−().]")


def parse_phone(raw: str) -> str:
    """A mobile number we can text: 11 digits for the mainland, ``+`` and digits otherwise.

    ``+86``, ``0086`` and ``86`` before a mainland mobile are dropped; ``00`` is read as ``+``
    (how numbers are dialled abroad from China). Spaces, dashes, dots and brackets are ignored.
    Landlines are refused: a notice about a changed code goes out as a text message.
    """
    text = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+86"):
        return _mainland_mobile(text[3:], dialled_with_86=True)
    if text.startswith("+"):
        return _international(text[1:])
    if len(text) == 13 and text.startswith("86"):
        return _mainland_mobile(text[2:], dialled_with_86=True)
    return _mainland_mobile(text, dialled_with_86=False)


def _mainland_mobile(digits: str, *, dialled_with_86: bool) -> str:
    if _MAINLAND_MOBILE.fullmatch(digits):
        return digits
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidInput("identity.phone_format")
    if _MOBILE_PREFIX.match(digits) or (digits.startswith("1") and not dialled_with_86):
        raise InvalidInput("identity.phone_mobile")
    # After +86 whatever is not a mobile is a fixed line (+86 10 for Beijing has no leading 0).
    if dialled_with_86 or _MAINLAND_LANDLINE.fullmatch(digits):
        raise InvalidInput("identity.phone_landline")
    raise InvalidInput("identity.phone_format")


def _international(digits: str) -> str:
    if not _INTERNATIONAL.fullmatch(digits):
        raise InvalidInput("identity.phone_international")
    return "+" + digits


# --- masking for display -----------------------------------------------------------------

MASK = "*"
# ITU-T E.164 country codes of one and two digits; every other code has three (852, 886...).
_ONE_DIGIT_COUNTRY_CODES = frozenset({"1", "7"})
_TWO_DIGIT_COUNTRY_CODES = frozenset(
    str(code)
    for code in (
        20, 27, *range(30, 35), 36, 39, 40, 41, *range(43, 50), *range(51, 59), *range(60, 67),
        81, 82, 84, 86, *range(90, 96), 98,
    )
)  # fmt: skip


def mask_name(name: str) -> str:
    """``张*``, ``张*三``, ``欧**明``; Latin names keep each word's initial: ``J*** S****``.

    A checkpoint worker compares the masked name with the person in front of them. Chinese
    names show the surname and the last character, the form people know from receipts and
    tickets; Latin names show initials, since the first and last letters of every word would
    give away most of a short name. Spaces and ``·`` stay, so the name keeps its shape.
    """
    if any(_is_latin(ch) for ch in name):
        return "".join(
            ch if _is_word_start(name, i) else _mask_letter(ch) for i, ch in enumerate(name)
        )
    shown = _shown_han_positions([i for i, ch in enumerate(name) if not _is_separator(ch)])
    return "".join(ch if i in shown else _mask_letter(ch) for i, ch in enumerate(name))


def _shown_han_positions(letters: list[int]) -> set[int]:
    if len(letters) >= 3:
        return {letters[0], letters[-1]}
    # Two characters: the surname alone; one (not a valid name, but masked all the same): none.
    return set(letters[:1]) if len(letters) == 2 else set()


def _is_separator(ch: str) -> bool:
    return ch in (" ", NAME_DOT)


def _is_word_start(name: str, i: int) -> bool:
    return not _is_separator(name[i]) and (i == 0 or _is_separator(name[i - 1]))


def _mask_letter(ch: str) -> str:
    return ch if _is_separator(ch) else MASK


def mask_document(number: str) -> str:
    """``1201**********1234``: four characters each end of long numbers (16 or more), fewer
    on shorter ones so that at most half of any number is shown (``H1*****78``)."""
    keep = 4 if len(number) >= 16 else len(number) // 4
    return _mask_middle(number, keep, keep)


def mask_phone(phone: str) -> str:
    """``138****5678``; ``+852****5678``: the country code and at most the last four digits."""
    if phone.startswith("+"):
        digits = phone[1:]
        code = digits[: _country_code_length(digits)]
        subscriber = digits[len(code) :]
        # Short subscriber numbers show at most half of their digits.
        return "+" + code + _mask_middle(subscriber, 0, min(4, len(subscriber) // 2))
    if len(phone) == 11:
        return _mask_middle(phone, 3, 4)
    return mask_document(phone)


def _country_code_length(digits: str) -> int:
    if digits[:1] in _ONE_DIGIT_COUNTRY_CODES:
        return 1
    return 2 if digits[:2] in _TWO_DIGIT_COUNTRY_CODES else 3


def _mask_middle(text: str, head: int, tail: int) -> str:
    hidden = max(len(text) - head - tail, 0)
    return text[:head] + MASK * hidden + text[head + hidden :]
