"""The message catalogue: both languages say everything, and every refusal has its sentence.

Refusals are found by reading the source of ``bot/``: every ``InvalidInput("<code>", **params)``
call (and every ``ServiceError``, ``NotFound``, ``TooFast`` … of ``bot/services/errors.py``)
must name its code as a literal, that code must be a key in zh and en, and every
placeholder of those sentences must be among the params passed at that call (else ``t()``
raises ``KeyError`` in front of the person).
"""

from __future__ import annotations

import ast
import string
from dataclasses import dataclass
from pathlib import Path

import pytest

import bot
from bot.texts import LANGUAGES, catalogue, t

BOT_ROOT = Path(bot.__file__).parent


@dataclass(frozen=True)
class Raise:
    where: str
    code: str | None  # None: not a literal, which the tests refuse
    params: frozenset[str] | None  # None: passed with **, so not checkable here


# InvalidInput and the refusals of bot/services/errors.py, which are InvalidInput too; TooFast
# fills in the seconds to wait itself.
_REFUSALS = {
    "InvalidInput": frozenset(),
    "ServiceError": frozenset(),
    "Malformed": frozenset(),
    "NotFound": frozenset(),
    "Unauthorised": frozenset(),
    "Forbidden": frozenset(),
    "TooFast": frozenset({"seconds"}),
}


def _refusal_name(call: ast.Call) -> str | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name if name in _REFUSALS else None


def _raise_of(call: ast.Call, where: str) -> Raise:
    first = call.args[0] if call.args else None
    code = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
    names = [keyword.arg for keyword in call.keywords]
    implied = _REFUSALS[_refusal_name(call) or "InvalidInput"]
    params = None if None in names else implied | {n for n in names if n is not None}
    return Raise(where, code, params)


def collect_raises() -> list[Raise]:
    found = []
    for path in sorted(BOT_ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _refusal_name(node):
                where = f"{path.relative_to(BOT_ROOT.parent)}:{node.lineno}"
                found.append(_raise_of(node, where))
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


RAISES = collect_raises()


def test_the_collector_finds_the_identity_and_district_refusals() -> None:
    codes = {r.code for r in RAISES}
    assert {"identity.checksum", "identity.phone_landline", "districts.unknown"} <= codes


def test_both_languages_have_the_same_keys() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert sorted(set(zh) - set(en)) == [], "missing in en"
    assert sorted(set(en) - set(zh)) == [], "missing in zh"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_formats(lang: str) -> None:
    for key, text in catalogue(lang).items():
        assert isinstance(text, str) and text.strip(), key
        t(key, lang, **dict.fromkeys(placeholders(text), "x"))


@pytest.mark.parametrize("found", RAISES, ids=lambda found: found.where)
def test_every_refusal_has_a_sentence_in_both_languages(found: Raise) -> None:
    assert found.code is not None, f"{found.where}: pass the code as a string literal"
    for lang in LANGUAGES:
        text = catalogue(lang).get(found.code)
        assert text is not None, f"{found.where}: {found.code} has no text in {lang}"
        if found.params is not None:
            missing = placeholders(text) - found.params
            assert not missing, f"{found.where}: {found.code} ({lang}) needs {sorted(missing)}"
