"""The region as configuration (bot/regions/): the three bundled regions and one's own file."""

from __future__ import annotations

import dataclasses
from importlib.resources import files
from pathlib import Path

import pytest

from bot.regions import BUNDLED, RegionError, bundled_region, load_region
from bot.services.runtime import build_runtime
from bot.settings import Settings, SettingsError

BEIJING = [
    (110101, "东城区"), (110102, "西城区"), (110105, "朝阳区"), (110106, "丰台区"),
    (110107, "石景山区"), (110108, "海淀区"), (110109, "门头沟区"), (110111, "房山区"),
    (110112, "通州区"), (110113, "顺义区"), (110114, "昌平区"), (110115, "大兴区"),
    (110116, "怀柔区"), (110117, "平谷区"), (110118, "密云区"), (110119, "延庆区"),
]  # fmt: skip
HEBEI = [
    (130100, "石家庄市"), (130200, "唐山市"), (130300, "秦皇岛市"), (130400, "邯郸市"),
    (130500, "邢台市"), (130600, "保定市"), (130700, "张家口市"), (130800, "承德市"),
    (130900, "沧州市"), (131000, "廊坊市"), (131100, "衡水市"),
]  # fmt: skip

GOOD_FILE = """
adcode = 310000
name = "上海市"
name_en = "Shanghai"
short_name = "上海"
short_name_en = "Shanghai"
hotline = "12345"
districts = "districts.csv"
"""
GOOD_DISTRICTS = "adcode,name,name_en,lat,lng,tier_2020\n310101,黄浦区,Huangpu,31.23,121.48,low\n"


def numbered(adcode: int) -> list[tuple[int, str]]:
    return [(d.adcode, d.name) for _, d in bundled_region(adcode).districts.numbered()]


def test_tianjin_is_the_default_and_unchanged() -> None:
    tianjin = load_region(Settings())
    assert (tianjin.adcode, tianjin.name, tianjin.short_name) == (120000, "天津市", "天津")
    assert tianjin.hotline == "88908890"
    assert len(tianjin.districts) == 16 and numbered(120000)[0] == (120101, "和平区")
    assert tianjin.rules_file is None  # the default ruleset, as before
    assert tianjin.faq_file is not None and tianjin.faq_file.name == "faq.toml"
    assert bundled_region(110000).faq_file is None


def test_beijing_has_its_sixteen_districts_in_adcode_order() -> None:
    beijing = bundled_region(110000)
    assert (beijing.name, beijing.name_en, beijing.hotline) == ("北京市", "Beijing", "12345")
    assert numbered(110000) == BEIJING


def test_hebei_has_its_eleven_prefecture_cities_in_adcode_order() -> None:
    assert numbered(130000) == HEBEI
    assert bundled_region(130000).districts.parse_district("保定").adcode == 130600


def test_every_bundled_folder_is_listed() -> None:
    folders = {p.name for p in files("bot.regions").iterdir() if (p / "region.toml").is_file()}
    assert folders == set(BUNDLED.values())
    for adcode in BUNDLED:
        assert bundled_region(adcode).adcode == adcode


def test_the_runtime_takes_the_region_its_adcode_and_hotline(tmp_path: Path) -> None:
    rt = build_runtime(Settings(data_dir=tmp_path, region_adcode=110000))
    assert rt.settings.region_adcode == 110000 and rt.settings.hotline == "12345"
    assert rt.region_info.name == "北京市" and rt.region.by_adcode(110108).name == "海淀区"
    mine = build_runtime(Settings(data_dir=tmp_path, region_adcode=110000, hotline="010-1"))
    assert mine.settings.hotline == "010-1"  # HC_HOTLINE still wins


def test_hc_region_and_hc_region_file_are_read() -> None:
    settings = Settings.from_env({"HC_REGION": "130000", "HC_REGION_FILE": "/x/region.toml"})
    assert settings.region_adcode == 130000 and settings.region_file == Path("/x/region.toml")
    with pytest.raises(SettingsError, match="HC_REGION must be a whole number"):
        Settings.from_env({"HC_REGION": "beijing"})


def test_an_unbundled_adcode_stops_the_start() -> None:
    with pytest.raises(RegionError, match=r"HC_REGION 310000 is not a bundled region: .*110000"):
        load_region(Settings(region_adcode=310000))


def write_region(folder: Path, text: str = GOOD_FILE, districts: str = GOOD_DISTRICTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "districts.csv").write_text(districts, encoding="utf-8")
    path = folder / "region.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_region_file_of_ones_own(tmp_path: Path) -> None:
    path = write_region(tmp_path / "sh")
    region = load_region(Settings(region_file=path))
    assert (region.adcode, region.name_en, len(region.districts)) == (310000, "Shanghai", 1)


@pytest.mark.parametrize(
    ("text", "districts", "message"),
    [
        ("adcode = ", GOOD_DISTRICTS, "not a readable TOML file"),
        (GOOD_FILE.replace('hotline = "12345"\n', ""), GOOD_DISTRICTS, "missing hotline"),
        (GOOD_FILE + 'hotine = "1"\n', GOOD_DISTRICTS, "unknown keys hotine"),
        (GOOD_FILE.replace("310000", '"310000"'), GOOD_DISTRICTS, "adcode must be a six-digit"),
        (GOOD_FILE.replace("310000", "31000"), GOOD_DISTRICTS, "adcode must be a six-digit"),
        (GOOD_FILE.replace('"12345"', '"call us"'), GOOD_DISTRICTS, "hotline must be"),
        (GOOD_FILE.replace('name = "上海市"', 'name = ""'), GOOD_DISTRICTS, "name must be"),
        (GOOD_FILE.replace("districts.csv", "../x.csv"), GOOD_DISTRICTS, "a file beside"),
        (GOOD_FILE.replace("districts.csv", "none.csv"), GOOD_DISTRICTS, "none.csv does not"),
        (GOOD_FILE + 'faq = "faq.toml"\n', GOOD_DISTRICTS, "faq file faq.toml does not exist"),
        (GOOD_FILE, "adcode,name\n", "districts.csv"),
        (GOOD_FILE, GOOD_DISTRICTS.replace("310101", "120101"), "within region 310000"),
    ],
)
def test_a_bad_region_file_says_what_is_wrong(
    tmp_path: Path, text: str, districts: str, message: str
) -> None:
    path = write_region(tmp_path / "bad", text, districts)
    with pytest.raises(RegionError, match=message) as caught:
        load_region(Settings(region_file=path))
    assert str(path) in str(caught.value)


def test_a_missing_region_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(RegionError, match="does not exist"):
        load_region(Settings(region_file=tmp_path / "nowhere.toml"))


def test_a_region_ruleset_replaces_the_default_unless_hc_rules_file(tmp_path: Path) -> None:
    default = Path(str(files("bot.ruleset_files") / "default.toml")).read_text(encoding="utf-8")
    folder = tmp_path / "sh"
    (folder).mkdir()
    (folder / "rules.toml").write_text(default.replace('version = "r1"', 'version = "s1"'))
    path = write_region(folder, GOOD_FILE + 'rules = "rules.toml"\n')
    settings = Settings(data_dir=tmp_path / "data", region_file=path)
    assert build_runtime(settings).ruleset.version == "s1"
    (folder / "rules.toml").write_text("version = 1")
    with pytest.raises(RegionError, match="its rules file"):
        build_runtime(settings)
    other = dataclasses.replace(
        settings, rules_file=Path(str(files("bot.ruleset_files") / "default.toml"))
    )
    assert build_runtime(other).ruleset.version == "r1"
