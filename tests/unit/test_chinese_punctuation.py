"""Chinese sentences use full-width punctuation: "返回，请…", never "返回,请…".

Every string of the Chinese text catalogue, and every Chinese string of the rules files (the
reasons a resident reads) and of the regions' files (the FAQ's answers), is scanned for a
half-width , ; : ? ! ( or ) between two CJK characters (spaces around it allowed).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot

BOT_ROOT = Path(bot.__file__).parent
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’]")
# a mark, with at most one space either side, and the characters around that
_MARK = re.compile(r"(.?) ?([,;:?!()]) ?(.?)")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def rules_files() -> list[Path]:
    """The shipped rulesets, and every file a region ships (its rules, its FAQ's answers)."""
    found = set(BOT_ROOT.glob("rules/**/*.toml")) | set(BOT_ROOT.glob("regions/**/*.toml"))
    return sorted(found)


def catalogue_files() -> list[Path]:
    return sorted(BOT_ROOT.glob("texts/zh/*.toml"))


def strings_of(value: object, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_of(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings_of(item, f"{where}[{index}]")


def chinese_strings(path: Path) -> list[tuple[str, str]]:
    with path.open("rb") as fh:
        table = tomllib.load(fh)
    name = str(path.relative_to(BOT_ROOT.parent))
    return [(where, text) for where, text in strings_of(table, name) if _HAN.search(text)]


def half_width_marks(text: str) -> list[str]:
    """Each offending mark with a few characters either side, to find it in the file. A
    placeholder ("至{until},请") stands for a word of the sentence: beside a Chinese character
    it counts as Chinese too."""
    found = []
    for match in _MARK.finditer(text):
        before, after = match[1], match[3]
        chinese = (bool(_CJK.match(before)), bool(_CJK.match(after)))
        if (chinese[0] or before == "}") and (chinese[1] or after == "{") and any(chinese):
            found.append(text[max(match.start() - 3, 0) : match.end() + 3])
    return found


def test_the_scanner_sees_half_width_marks_between_chinese_words() -> None:
    assert half_width_marks("未发现风险,请做好自我健康监测")
    assert half_width_marks("请致电(热线)咨询")
    assert half_width_marks("是否离开本市 ? 请回复")
    assert half_width_marks("至{until},请居家")
    assert half_width_marks("返回,{advice}")
    assert not half_width_marks("未发现风险，请做好自我健康监测")
    assert not half_width_marks("回复 1 否, 2 是")  # between digits: not Chinese punctuation
    assert not half_width_marks("Hubei, Wuhan")
    assert not half_width_marks("{a},{b}")


def test_there_are_files_to_scan() -> None:
    assert rules_files() and catalogue_files()
    assert any(chinese_strings(path) for path in rules_files())


@pytest.mark.parametrize(
    "path", rules_files() + catalogue_files(), ids=lambda p: str(p.relative_to(BOT_ROOT))
)
def test_chinese_texts_use_full_width_punctuation(path: Path) -> None:
    found = [
        f"{where}: …{mark}…"
        for where, text in chinese_strings(path)
        for mark in half_width_marks(text)
    ]
    assert not found, "half-width punctuation in Chinese text:\n" + "\n".join(found)
