"""The region's districts: numbered for the menu, found by number or name, and far apart how."""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.health.errors import InvalidInput
from bot.health.risk_tiers import TIERS

EARTH_MEAN_RADIUS_KM = 6371.0088
# Suffixes a person may leave out: 滨海新区 is "滨海", Binhai New Area is "Binhai". The longer
# suffix is tried first so 新区 is not cut to 新.
_ZH_SUFFIXES = ("新区", "区", "县", "市")
_EN_SUFFIXES = (" new area", " district", " county", " city")


@dataclass(frozen=True)
class District:
    adcode: int
    name: str
    name_en: str
    lat: float
    lng: float
    tier_2020: str  # low | medium | high: the tier in the city's notice of 7 March 2020


class Region:
    """The districts of one region, in adcode order, which is also their menu order."""

    def __init__(self, districts: Iterable[District]) -> None:
        self._districts = tuple(sorted(districts, key=lambda district: district.adcode))
        self._by_adcode = {district.adcode: district for district in self._districts}
        if not self._districts or len(self._by_adcode) != len(self._districts):
            raise ValueError("a region needs districts, each with its own adcode")
        self._by_alias = _alias_index(self._districts)

    @classmethod
    def from_csv_text(cls, text: str) -> Region:
        """Rows of ``adcode,name,name_en,lat,lng,tier_2020…`` with a header line."""
        rows = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
        return cls(_district_from_row(row, line) for line, row in enumerate(rows, start=2))

    def __iter__(self) -> Iterator[District]:
        return iter(self._districts)

    def __len__(self) -> int:
        return len(self._districts)

    def numbered(self) -> list[tuple[int, District]]:
        """``(1, 和平区) … (16, 蓟州区)``: the numbers a person answers the menu with."""
        return list(enumerate(self._districts, start=1))

    def by_adcode(self, adcode: int) -> District:
        try:
            return self._by_adcode[adcode]
        except KeyError:
            raise self._unknown() from None

    def parse_district(self, raw: str) -> District:
        """The district a person named: its menu number, ``和平区``, ``和平`` or ``Heping``."""
        key = _fold(raw)
        if key.isascii() and key.isdigit() and 1 <= int(key) <= len(self):
            return self._districts[int(key) - 1]
        district = self._by_alias.get(_without_spaces(key))
        if district is None:
            raise self._unknown()
        return district

    def _unknown(self) -> InvalidInput:
        # The example is the region's first district, so the sentence fits any region.
        first = self._districts[0]
        return InvalidInput(
            "districts.unknown", count=len(self), example=first.name, example_en=first.name_en
        )


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres between two WGS-84 points, on a spherical Earth
    (an error under 0.5 %, plenty for "far from the district you declared")."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lng2 - lng1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    # min(): rounding can push a just over 1 for antipodal points, and asin(>1) raises.
    return 2 * EARTH_MEAN_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _fold(raw: str) -> str:
    """Full-width digits and letters to ASCII, spaces collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFKC", raw).split()).casefold()


def _full_names(district: District) -> set[str]:
    return {_without_spaces(_fold(district.name)), _without_spaces(_fold(district.name_en))}


def _short_names(district: District) -> set[str]:
    en_stem = _strip_suffix(_fold(district.name_en), _EN_SUFFIXES)
    names = {_strip_suffix(_fold(district.name), _ZH_SUFFIXES), en_stem, f"{en_stem} district"}
    return {_without_spaces(name) for name in names}


def _without_spaces(name: str) -> str:
    # "河 东 区", "BinhaiNewArea" and "Binhai New Area" are all the same answer.
    return name.replace(" ", "")


def _strip_suffix(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


def _alias_index(districts: tuple[District, ...]) -> dict[str, District]:
    """Every way to name a district; a full name always wins over another's short name."""
    full: dict[str, District] = {}
    short: dict[str, District] = {}
    ambiguous: set[str] = set()
    for district in districts:
        for name in _full_names(district):
            if full.setdefault(name, district) is not district:
                raise ValueError(f"two districts are called {name!r}")
        for name in _short_names(district):
            if short.setdefault(name, district) is not district:
                ambiguous.add(name)
    # A short name two districts share finds neither: guessing would file the wrong one.
    return {n: d for n, d in short.items() if n not in ambiguous} | full


def _district_from_row(row: dict[str, str], line: int) -> District:
    # The tier column is named for the notice's date (tier_2020_03_07); extra cells have no key.
    tier = next((value for key, value in row.items() if key and key.startswith("tier_2020")), "")
    try:
        district = District(
            adcode=int(row["adcode"]),
            name=row["name"].strip(),
            name_en=row["name_en"].strip(),
            lat=float(row["lat"]),
            lng=float(row["lng"]),
            tier_2020=tier.strip(),
        )
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"districts line {line}: {error}") from error
    _check_district(district, line)
    return district


def _check_district(district: District, line: int) -> None:
    if district.tier_2020 not in TIERS:
        raise ValueError(
            f"districts line {line}: tier {district.tier_2020!r} not in {', '.join(TIERS)}"
        )
    if not (-90 <= district.lat <= 90 and -180 <= district.lng <= 180):
        raise ValueError(f"districts line {line}: no such place {district.lat},{district.lng}")
    if not district.name or not district.name_en:
        raise ValueError(f"districts line {line}: a district needs a Chinese and English name")
