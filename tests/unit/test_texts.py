"""The message catalogue: both languages say everything, every refusal has its sentence, and
every ``t("…")`` names a sentence that exists.

Calls are read from the source of the service (``bot/``, ``handlers/``, ``schedules/``) with
``ast``:

- a refusal is a call of any class that is an ``InvalidInput`` (found by importing the service
  and walking the subclasses, not by a list of names). Its code is a literal, or a value passed
  through a parameter or attribute, whose literals are then read wherever that name is given
  (``too_large="feeds.too_large"``); re-raising another refusal's ``exc.code`` was checked
  where that one was raised. Every code is a key in zh and en, and every placeholder of those
  sentences is among the params passed at that call (else ``t()`` raises ``KeyError`` in front
  of the person);
- a ``t()`` call (and the console's ``_t()``, which adds ``console.``) with a literal key needs
  that key, and its placeholders among the keywords; an f-string key needs at least one key of
  its shape (``f"code.color_{c}"``: ``code.color_…``); each branch of a conditional key is
  checked; a key held in a variable is a refusal's code or a key chosen above, and is skipped.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.health.errors import InvalidInput
from bot.services.errors import TooFast
from bot.texts import LANGUAGES, catalogue, t

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ("bot", "handlers", "schedules")
# what a refusal class adds to the params itself
IMPLIED = {"TooFast": frozenset({"seconds"})}
# wrappers of t() and the prefix they add to the key they are given
WRAPPERS = {"t": "", "_t": "console."}
# sentences asked for unformatted on purpose: the code page's script fills {color} and {name}
RAW = {"page.qr_alt"}


def _refusal_classes() -> frozenset[str]:
    for package in SERVICE:
        for module in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            importlib.import_module(module.name)

    def below(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return frozenset({InvalidInput.__name__} | {cls.__name__ for cls in below(InvalidInput)})


REFUSALS = _refusal_classes()


def _sources() -> Iterator[tuple[str, ast.AST]]:
    for package in SERVICE:
        for path in sorted((ROOT / package).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            yield where, ast.parse(path.read_text(encoding="utf-8"), filename=where)


SOURCES = list(_sources())


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _fields() -> dict[str, list[str]]:
    """The annotated fields of every class of the service, in order (its dataclasses')."""
    return {
        node.name: [
            item.target.id
            for item in node.body
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
        ]
        for _, tree in SOURCES
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }


def _given_as(name: str) -> set[str]:
    """Every literal the service gives under ``name``: as a keyword argument, as the default
    of a parameter of that name, in that field's place when a class with the field is
    made (``PathParameter("appeal_id", parse, "appeals.not_found")``), or as a class
    attribute of that name (a request body's ``unknown_field``)."""
    found, fields = set(), _fields()
    for _, tree in SOURCES:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    targets = item.targets if isinstance(item, ast.Assign) else []
                    if isinstance(item, ast.AnnAssign):
                        targets = [item.target]
                    value = getattr(item, "value", None)
                    named = any(isinstance(t, ast.Name) and t.id == name for t in targets)
                    if named and _literal(value):
                        found.add(_literal(value))
            if isinstance(node, ast.keyword) and node.arg == name and _literal(node.value):
                found.add(_literal(node.value))
            if isinstance(node, ast.arguments):
                positional = node.posonlyargs + node.args
                defaults = positional[len(positional) - len(node.defaults) :]
                pairs = list(zip(defaults, node.defaults, strict=True))
                pairs += [
                    (a, d) for a, d in zip(node.kwonlyargs, node.kw_defaults, strict=True) if d
                ]
                found |= {_literal(d) for a, d in pairs if a.arg == name and _literal(d)}
            if isinstance(node, ast.Call) and name in fields.get(_callee(node) or "", []):
                place = fields[_callee(node) or ""].index(name)
                if place < len(node.args) and _literal(node.args[place]):
                    found.add(_literal(node.args[place]))
    return found


@dataclass(frozen=True)
class Use:
    """One place a sentence is asked for: the keys it may name and the params it passes."""

    where: str
    keys: frozenset[str] | None  # None: no literal to check, which the refusal tests refuse
    params: frozenset[str] | None  # None: passed with **, so not checkable here


def _params(call: ast.Call, implied: frozenset[str] = frozenset()) -> frozenset[str] | None:
    names = [keyword.arg for keyword in call.keywords]
    return None if None in names else implied | {n for n in names if n is not None}


def _refusal_codes(first: ast.AST | None) -> frozenset[str] | None:
    if _literal(first):
        return frozenset({_literal(first)})
    if isinstance(first, ast.Name):
        return frozenset(_given_as(first.id)) or None
    if isinstance(first, ast.Attribute) and first.attr != "code":
        return frozenset(_given_as(first.attr)) or None
    return None


def collect_refusals() -> list[Use]:
    found = []
    for where, tree in SOURCES:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _callee(node) in REFUSALS):
                continue
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Attribute) and first.attr == "code":
                continue  # a refusal raised again: checked where it was first raised
            implied = IMPLIED.get(_callee(node) or "", frozenset())
            found.append(
                Use(f"{where}:{node.lineno}", _refusal_codes(first), _params(node, implied))
            )
    return found


def _shape(node: ast.JoinedStr, prefix: str) -> re.Pattern[str]:
    parts = [
        re.escape(part.value) if isinstance(part, ast.Constant) else ".+" for part in node.values
    ]
    return re.compile(re.escape(prefix) + "".join(parts))


def collect_keys() -> tuple[list[Use], list[tuple[str, re.Pattern[str]]]]:
    """The literal keys asked of t() (each branch of a conditional one), and the shapes of the
    f-string keys."""
    literal, shaped = [], []
    for where, tree in SOURCES:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _callee(node) in WRAPPERS and node.args):
                continue
            prefix, key = WRAPPERS[_callee(node) or ""], node.args[0]
            at = f"{where}:{node.lineno}"
            branches = [key.body, key.orelse] if isinstance(key, ast.IfExp) else [key]
            for branch in branches:
                if _literal(branch):
                    key_name = prefix + (_literal(branch) or "")
                    params = None if key_name in RAW else _params(node)
                    literal.append(Use(at, frozenset({key_name}), params))
                elif isinstance(branch, ast.JoinedStr):
                    shaped.append((at, _shape(branch, prefix)))
    return literal, shaped


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


RAISES = collect_refusals()
LITERAL_KEYS, SHAPED_KEYS = collect_keys()


def _check(use: Use) -> None:
    assert use.keys is not None, f"{use.where}: pass the code as a string literal"
    for code in use.keys:
        for lang in LANGUAGES:
            text = catalogue(lang).get(code)
            assert text is not None, f"{use.where}: {code} has no text in {lang}"
            if use.params is not None:
                missing = placeholders(text) - use.params
                assert not missing, f"{use.where}: {code} ({lang}) needs {sorted(missing)}"


def test_the_collectors_find_what_they_look_for() -> None:
    codes = {code for use in RAISES for code in use.keys or ()}
    # identity and district refusals, a subclass of a subclass (TooFast), one defined in a
    # handler, and the codes given through a parameter and through an attribute
    assert {"identity.checksum", "identity.phone_landline", "districts.unknown"} <= codes
    assert {"BodyTooLarge", "WeChatUnavailable", "TooFast", "NotFound"} <= REFUSALS
    assert {"api.too_large", "feeds.too_large", "appeals.not_found"} <= codes
    assert len(LITERAL_KEYS) > 100 and len(SHAPED_KEYS) > 30
    assert any(use.keys == {"console.login_title"} for use in LITERAL_KEYS)  # _t() adds it
    assert TooFast("claim.too_many", 5).params["seconds"] == 5  # what IMPLIED says


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
def test_every_refusal_has_a_sentence_in_both_languages(found: Use) -> None:
    _check(found)


@pytest.mark.parametrize("found", LITERAL_KEYS, ids=lambda found: found.where)
def test_every_key_asked_for_exists_with_its_placeholders(found: Use) -> None:
    _check(found)


@pytest.mark.parametrize(("where", "shape"), SHAPED_KEYS, ids=lambda found: str(found))
def test_every_key_made_from_parts_has_a_sentence_of_its_shape(
    where: str, shape: re.Pattern[str]
) -> None:
    for lang in LANGUAGES:
        assert any(shape.fullmatch(key) for key in catalogue(lang)), (
            f"{where}: no key like {shape.pattern} in {lang}"
        )
