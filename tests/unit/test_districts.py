"""The region's districts (bot/health/districts.py) and the default region (bot/regions/)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.health.districts import District, Region, haversine_km
from bot.health.errors import InvalidInput
from bot.regions import load_default_region

TIANJIN = load_default_region()
HEADER = "adcode,name,name_en,lat,lng,tier_2020_03_07\n"


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def unknown_params(raw: str) -> dict[str, object]:
    with pytest.raises(InvalidInput) as caught:
        TIANJIN.parse_district(raw)
    assert caught.value.code == "districts.unknown"
    return caught.value.params


# --- the default region ---------------------------------------------------------------------


def test_tianjin_has_sixteen_districts_numbered_in_adcode_order() -> None:
    numbered = TIANJIN.numbered()
    assert [number for number, _ in numbered] == list(range(1, 17))
    assert [district.adcode for _, district in numbered] == sorted(d.adcode for d in TIANJIN)
    assert numbered[0][1].name == "和平区" and numbered[0][1].adcode == 120101
    assert numbered[12][1].name == "滨海新区" and numbered[12][1].name_en == "Binhai New Area"
    assert numbered[15][1].name == "蓟州区" and numbered[15][1].adcode == 120119


def test_tianjin_tiers_of_march_2020() -> None:
    assert TIANJIN.by_adcode(120101).tier_2020 == "medium"
    assert TIANJIN.by_adcode(120116).tier_2020 == "low"
    assert {district.tier_2020 for district in TIANJIN} <= {"low", "medium", "high"}


def test_default_region_is_read_once() -> None:
    assert load_default_region() is load_default_region()


def test_districts_are_immutable() -> None:
    with pytest.raises(AttributeError):
        TIANJIN.by_adcode(120101).tier_2020 = "high"  # type: ignore[misc]


# --- finding a district -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "adcode"),
    [
        ("1", 120101),
        (" 13 ", 120116),
        ("１６", 120119),
        ("01", 120101),
        ("和平区", 120101),
        ("和平", 120101),
        ("滨海新区", 120116),
        ("滨海", 120116),
        ("河 东 区", 120102),
        ("Heping", 120101),
        ("heping district", 120101),
        ("BINHAI NEW AREA", 120116),
        ("binhai", 120116),
        ("Ｊｉｚｈｏｕ", 120119),
    ],
)
def test_a_district_by_number_name_or_english_name(raw: str, adcode: int) -> None:
    assert TIANJIN.parse_district(raw).adcode == adcode


@given(
    st.sampled_from(TIANJIN.numbered()), st.sampled_from([str, str.upper, str.lower, full_width])
)
def test_every_district_is_found_every_way(numbered: tuple[int, District], form) -> None:
    number, district = numbered
    assert TIANJIN.parse_district(form(str(number))) is district
    assert TIANJIN.parse_district(form(district.name)) is district
    assert TIANJIN.parse_district(form(district.name_en)) is district
    short_name = district.name.removesuffix("新区").removesuffix("区")
    assert TIANJIN.parse_district(form(short_name)) is district


@pytest.mark.parametrize(
    "raw", ["0", "17", "-1", "", "北京", "和", "新区", "区", "New Area", "1.5"]
)
def test_an_unknown_district_offers_the_choices(raw: str) -> None:
    assert unknown_params(raw) == {"count": 16, "example": "和平区", "example_en": "Heping"}


@given(st.integers().filter(lambda n: not 1 <= n <= 16))
def test_numbers_outside_the_menu_are_unknown(number: int) -> None:
    unknown_params(str(number))


def test_by_adcode() -> None:
    assert TIANJIN.by_adcode(120116).name == "滨海新区"
    with pytest.raises(InvalidInput) as caught:
        TIANJIN.by_adcode(110101)
    assert caught.value.code == "districts.unknown"


# --- building a region ---------------------------------------------------------------------------

ROWS = [
    "120102,河东区,Hedong,39.128,117.252,medium",
    "120101,和平区,Heping,39.117,117.195,high",
    "120116,滨海新区,Binhai New Area,39.003,117.711,low",
]


@given(st.permutations(ROWS))
def test_rows_in_any_order_give_the_same_menu(rows: list[str]) -> None:
    region = Region.from_csv_text(HEADER + "\n".join(rows) + "\n")
    assert [district.adcode for _, district in region.numbered()] == [120101, 120102, 120116]


def test_csv_with_a_byte_order_mark_and_a_plain_tier_column() -> None:
    text = "\ufeffadcode,name,name_en,lat,lng,tier_2020\n" + ROWS[1] + "\n"
    region = Region.from_csv_text(text)
    assert region.by_adcode(120101) == District(120101, "和平区", "Heping", 39.117, 117.195, "high")


@pytest.mark.parametrize(
    "rows",
    [
        [],
        ["120101,和平区,Heping,39.117,117.195,severe"],
        ["120101,和平区,Heping,91.0,117.195,low"],
        ["120101,和平区,Heping,39.117,117.195"],
        ["abc,和平区,Heping,39.117,117.195,low"],
        ["120101,,Heping,39.117,117.195,low"],
        [ROWS[1], ROWS[1]],
    ],
)
def test_bad_data_is_refused_at_load_time(rows: list[str]) -> None:
    with pytest.raises(ValueError):
        Region.from_csv_text(HEADER + "\n".join(rows) + "\n")


def test_two_districts_of_one_name_are_refused() -> None:
    twins = [
        District(1, "河东区", "Hedong", 39, 117, "low"),
        District(2, "河东区", "X", 39, 117, "low"),
    ]
    with pytest.raises(ValueError):
        Region(twins)


def test_a_short_name_two_districts_share_finds_neither() -> None:
    region = Region(
        [
            District(1, "河东区", "Hedong", 39.0, 117.0, "low"),
            District(2, "河东新区", "Hedong New Area", 39.1, 117.1, "low"),
        ]
    )
    assert region.parse_district("河东区").adcode == 1
    assert region.parse_district("河东新区").adcode == 2
    assert region.parse_district("Hedong").adcode == 1  # the full English name wins outright
    with pytest.raises(InvalidInput):
        region.parse_district("河东")


# --- distances -----------------------------------------------------------------------------------

latitudes = st.floats(min_value=-90, max_value=90)
longitudes = st.floats(min_value=-180, max_value=180)


def test_known_distances() -> None:
    beijing_to_shanghai = haversine_km(39.9042, 116.4074, 31.2304, 121.4737)
    assert beijing_to_shanghai == pytest.approx(1067, rel=0.01)
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.2, rel=0.001)
    heping, binhai = TIANJIN.by_adcode(120101), TIANJIN.by_adcode(120116)
    assert 40 < haversine_km(heping.lat, heping.lng, binhai.lat, binhai.lng) < 50


@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_is_symmetric_and_bounded(
    lat1: float, lng1: float, lat2: float, lng2: float
) -> None:
    there = haversine_km(lat1, lng1, lat2, lng2)
    back = haversine_km(lat2, lng2, lat1, lng1)
    assert there == pytest.approx(back, abs=1e-6)
    assert 0 <= there <= math.pi * 6371.0088 + 1e-6
    assert haversine_km(lat1, lng1, lat1, lng1) == 0
