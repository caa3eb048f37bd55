"""Listed places and reading a written place name as one of them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Place:
    zh: str
    en: str


# Between a province and its city: "湖北省武汉市". Nothing else is stripped while reading, since
# whatever follows the most specific listed name (市, 江岸区, City) is ignored anyway.
_JOINERS = ("中国", "china", "省", "province", "sheng")
# Endings a listed name may be written with in the ruleset: "湖北省" is listed as 湖北. None of
# them ends a listed name's core (unlike 州 in 荆州 or "shi" in Enshi, so those are not here).
_SUFFIXES = ("自治州", "地区", "林区", "省", "市", "province", "prefecture", "city")


def _normalise(text: str) -> str:
    # NFKC folds full-width letters and spaces; keeping letters and digits ignores spaces and
    # punctuation ("Wuhan, Hubei", "湖北·武汉").
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


@cache
def _place_keys(place: Place) -> tuple[str, ...]:
    keys = {_strip_suffix(_normalise(name)) for name in (place.zh, place.en)}
    return tuple(key for key in keys if key)


def _strip_suffix(key: str) -> str:
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


def _drop_joiner(text: str) -> str:
    for joiner in _JOINERS:
        if text.startswith(joiner):
            return text[len(joiner) :]
    return text


def _listed_prefix(text: str, places: tuple[Place, ...]) -> tuple[Place, str] | None:
    found = [(len(k), p, k) for p in places for k in _place_keys(p) if text.startswith(k)]
    if not found:
        return None
    _, place, key = max(found, key=lambda item: item[0])
    return place, text[len(key) :]


def match_place(text: str, places: tuple[Place, ...]) -> Place | None:
    """The listed place that ``text`` names, or None: "湖北省武汉市江岸区" names 武汉.

    Listed names are read from the start of the text, one after another ("湖北武汉",
    "Wuhan, Hubei"); when several are found, the one listed last wins, so a ruleset lists a
    province before its cities. Matching from the start (not anywhere in the text) keeps "Ezhou"
    out of "Dezhou" (德州, Shandong).
    """
    rest, found = _normalise(text), []
    while hit := _listed_prefix(rest, places) or _listed_prefix(_drop_joiner(rest), places):
        place, rest = hit
        found.append(place)
    return max(found, key=places.index, default=None)
