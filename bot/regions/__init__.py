"""The region the service runs for, as configuration (docs/regions.md).

``HC_REGION`` picks a bundled region by its adcode (a folder beside this module holding a
``region.toml``); ``HC_REGION_FILE`` names a region file of one's own, laid out the same way.
A region file names the region (zh and en), its adcode, its hotline, its districts (a CSV
beside it, in adcode order, which is also the menu's order), and optionally its FAQ and its
default ruleset. A file that says anything wrong stops the start with a sentence saying what.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from bot.health.districts import Region
from bot.settings import Settings, SettingsError

DEFAULT_ADCODE = 120000
# adcode → folder of the bundled region; kept in step with the folders by tests/unit/test_regions.py
BUNDLED = {120000: "tianjin", 110000: "beijing", 130000: "hebei"}
REGION_FILE = "region.toml"
_REQUIRED = ("adcode", "name", "name_en", "short_name", "short_name_en", "hotline", "districts")
_OPTIONAL = ("faq", "rules")
_HOTLINE = re.compile(r"[0-9][0-9-]{2,19}")


class RegionError(SettingsError):
    """A region that cannot be served: the message says which file and what is wrong."""


@dataclass(frozen=True)
class RegionConfig:
    adcode: int
    name: str  # 天津市: what a code's issuer is called
    name_en: str
    short_name: str  # 天津: "天津健康码"
    short_name_en: str
    hotline: str
    districts: Region
    # files beside the region file, None when the region has none (the FAQ's own loader reads
    # it; the ruleset replaces the default one unless HC_RULES_FILE names another)
    faq_file: Traversable | None = None
    rules_file: Traversable | None = None

    def display_name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name

    def service_name(self, lang: str) -> str:
        return self.short_name_en if lang == "en" else self.short_name


def load_region(settings: Settings) -> RegionConfig:
    """The region ``settings`` name: ``HC_REGION_FILE`` when given, else the bundled one."""
    if settings.region_file is not None:
        return load_region_file(settings.region_file)
    return bundled_region(settings.region_adcode)


@cache
def bundled_region(adcode: int) -> RegionConfig:
    """A region shipped inside the package, read once per process."""
    folder = BUNDLED.get(adcode)
    if folder is None:
        known = ", ".join(f"{code} ({name})" for code, name in BUNDLED.items())
        raise RegionError(f"HC_REGION {adcode} is not a bundled region: one of {known}")
    return _read_region(files(__package__) / folder, REGION_FILE, f"bundled region {folder}")


def load_region_file(path: Path) -> RegionConfig:
    if not path.is_file():
        raise RegionError(f"HC_REGION_FILE {path} does not exist")
    return _read_region(path.parent, path.name, f"HC_REGION_FILE {path}")


def load_default_region() -> Region:
    """Tianjin's districts (the default region's)."""
    return bundled_region(DEFAULT_ADCODE).districts


def _read_region(folder: Traversable, name: str, where: str) -> RegionConfig:
    try:
        table = tomllib.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RegionError(f"{where}: not a readable TOML file ({error})") from error
    _check_keys(table, where)
    adcode = _adcode(table["adcode"], where)
    districts = _districts(folder, table["districts"], adcode, where)
    return RegionConfig(
        adcode=adcode,
        name=_text(table, "name", where),
        name_en=_text(table, "name_en", where),
        short_name=_text(table, "short_name", where),
        short_name_en=_text(table, "short_name_en", where),
        hotline=_hotline(table["hotline"], where),
        districts=districts,
        faq_file=_beside(folder, table.get("faq"), "faq", where),
        rules_file=_beside(folder, table.get("rules"), "rules", where),
    )


def _check_keys(table: dict, where: str) -> None:
    missing = [key for key in _REQUIRED if key not in table]
    if missing:
        raise RegionError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(table) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:  # a misspelt "hotine" must not leave the default hotline in place unnoticed
        raise RegionError(f"{where}: unknown keys {', '.join(unknown)}")


def _adcode(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100000 <= value <= 999999:
        raise RegionError(f"{where}: adcode must be a six-digit number, not {value!r}")
    return value


def _text(table: dict, key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        raise RegionError(f"{where}: {key} must be a text of 1 to 40 characters")
    return value.strip()


def _hotline(value: object, where: str) -> str:
    if not isinstance(value, str) or not _HOTLINE.fullmatch(value):
        raise RegionError(f"{where}: hotline must be a telephone number like 12345, not {value!r}")
    return value


def _districts(folder: Traversable, name: object, adcode: int, where: str) -> Region:
    csv_file = _beside(folder, name, "districts", where)
    assert csv_file is not None
    try:
        region = Region.from_csv_text(csv_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise RegionError(f"{where}: {name}: {error}") from error
    # 120000 → "12", 130100 → "1301": a district of the region shares its adcode's prefix
    prefix = str(adcode)
    while prefix.endswith("00"):
        prefix = prefix[:-2]
    strangers = [d.adcode for d in region if not str(d.adcode).startswith(prefix)]
    if strangers or adcode in {d.adcode for d in region}:
        raise RegionError(
            f"{where}: {name}: every district's adcode must be within region {adcode} "
            f"(start with {prefix}, not be {adcode} itself): {strangers or adcode}"
        )
    return region


def _beside(folder: Traversable, name: object, key: str, where: str) -> Traversable | None:
    if name is None:
        return None
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name[0] == ".":
        raise RegionError(f"{where}: {key} must be the name of a file beside the region file")
    found = folder / name
    if not found.is_file():
        raise RegionError(f"{where}: {key} file {name} does not exist")
    return found
