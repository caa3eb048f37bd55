"""Parsers for the answers of the declaration script that are not identity documents:
numbered choices, free-text places and return dates."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, timedelta

from bot.health.errors import InvalidInput

RECENT_DAYS = 14
MAX_CITY_LENGTH = 30
_SEPARATORS = re.compile(r"[\s,，、;；]+")
# 2026-11-30, 2026/11/30, 2026.11.30 or 20261130 (年月日 become dashes first); a separator
# between every part, or none at all, so "2026/11" is not read as 2026-1-1
_DATE = re.compile(r"^(\d{4})(?:\D(\d{1,2})\D(\d{1,2})|(\d{2})(\d{2}))\D?$")


def normalise(raw: str) -> str:
    """Full-width digits and letters to ASCII, surrounding space removed."""
    return unicodedata.normalize("NFKC", raw).strip()


def parse_choice(raw: str, options: Mapping[str, object]) -> object:
    answer = normalise(raw)
    if answer not in options:
        raise InvalidInput("declare.choice", choices=" / ".join(options))
    return options[answer]


def parse_relation(raw: str) -> str:
    relations = {"1": "spouse", "2": "parent", "3": "child"}
    try:
        return str(parse_choice(raw, relations))
    except InvalidInput:
        raise InvalidInput("family.relation") from None


# The menu's numbers (1 否, 2 是) and the words people answer a yes/no question with. Matched
# after NFKC (full-width letters are ASCII) and casefold, with the final full stop or
# exclamation left out ("是的。", "No!").
_YES_NO = {
    "1": False, "否": False, "没有": False, "没": False, "无": False, "不是": False, "不": False,
    "no": False, "n": False,
    "2": True, "是": True, "是的": True, "有": True, "对": True, "对的": True,
    "yes": True, "y": True,
}  # fmt: skip
_TRAILING_MARKS = ".!。！~～"


def parse_yes_no(raw: str) -> bool:
    """1 / 2 as the menu numbers them, or a word: 是/否, 有/没有, 对/不是, yes/no, y/n."""
    answer = normalise(raw).casefold().rstrip(_TRAILING_MARKS).strip()
    if answer not in _YES_NO:
        raise InvalidInput("declare.yes_no")
    return _YES_NO[answer]


def parse_symptoms(raw: str) -> list[str]:
    numbers = [n for n in _SEPARATORS.split(normalise(raw)) if n]
    if not numbers or any(n not in ("1", "2", "3") for n in numbers):
        raise InvalidInput("declare.symptoms_choice")
    if "1" in numbers:
        if len(set(numbers)) > 1:
            raise InvalidInput("declare.symptoms_none_and_more")
        return []
    return sorted({"2": "fever", "3": "cough"}[n] for n in numbers)


def parse_city(raw: str) -> str:
    city = " ".join(normalise(raw).split())
    if not city:
        raise InvalidInput("declare.from_city_empty")
    if len(city) > MAX_CITY_LENGTH:
        raise InvalidInput("declare.from_city_too_long", max=MAX_CITY_LENGTH)
    return city


def parse_return_date(raw: str, today: date) -> date:
    """A return within the last 14 days: not in the future, not before today − 14 days."""
    match = _DATE.match(normalise(raw).replace("年", "-").replace("月", "-").replace("日", ""))
    example = today.isoformat()
    if not match:
        raise InvalidInput("declare.date_format", example=example)
    year, month, day_of_month = (int(part) for part in match.groups() if part is not None)
    try:
        day = date(year, month, day_of_month)
    except ValueError:
        # the form was right: say which day does not exist, not that the form is wrong
        written = f"{year:04d}-{month:02d}-{day_of_month:02d}"
        raise InvalidInput("declare.date_not_exist", date=written, example=example) from None
    if day > today:
        raise InvalidInput("declare.date_future", today=example)
    earliest = today - timedelta(days=RECENT_DAYS)
    if day < earliest:
        raise InvalidInput("declare.date_too_old", earliest=earliest.isoformat())
    return day
