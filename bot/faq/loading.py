"""Reading a FAQ file's TOML text; every problem is a ``FaqError`` naming where it is."""

from __future__ import annotations

import re
import tomllib
from typing import Any

from bot.faq.entries import LANGUAGES, Faq, FaqEntry, FaqError, Texts

_TOP_KEYS = {"faq", "synonyms", "entry"}
_FAQ_KEYS = {"name_zh", "name_en"}
_ENTRY_KEYS = {
    "id", "source", "question_zh", "question_en", "alternatives_zh", "alternatives_en",
    "answer_zh", "answer_en",
}  # fmt: skip
_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
PLACEHOLDERS = frozenset({"hotline"})
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def load_faq(text: str) -> Faq:
    """Parse and check a FAQ file's text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FaqError(f"not valid TOML: {error}") from error
    _only(data, _TOP_KEYS, "the file")
    head = _table(data, "faq", "the file")
    _only(head, _FAQ_KEYS, "[faq]")
    name = Texts(_text(head, "name_zh", "[faq]", "zh"), _text(head, "name_en", "[faq]", "en"))
    raw_entries = data.get("entry")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise FaqError("the file has no [[entry]]")
    entries = tuple(_entry(raw, number) for number, raw in enumerate(raw_entries, 1))
    _no_repeats(entries)
    return Faq(name, entries, _synonyms(data.get("synonyms", {})))


def _entry(raw: Any, number: int) -> FaqEntry:
    where = f"entry {number}"
    if not isinstance(raw, dict):
        raise FaqError(f"{where} is not a table")
    if isinstance(raw.get("id"), str):
        where = f"entry {raw['id']!r}"
    _only(raw, _ENTRY_KEYS, where)
    entry_id = _get(raw, "id", str, where)
    if not _ID.fullmatch(entry_id):
        raise FaqError(f"{where}: id must be lower-case letters, digits and _ (at most 40)")
    source = _get(raw, "source", list, where)
    if not source or not all(isinstance(n, int) and n > 0 for n in source):
        raise FaqError(f"{where}: source must list the FAQ's question numbers (1, 2, …)")
    return FaqEntry(
        id=entry_id,
        source=tuple(source),
        question=Texts(
            _text(raw, "question_zh", where, "zh"), _text(raw, "question_en", where, "en")
        ),
        alternatives={
            lang: _phrasings(raw, f"alternatives_{lang}", where, lang) for lang in LANGUAGES
        },
        answer=_answer(raw, where),
    )


def _answer(raw: dict[str, Any], where: str) -> Texts:
    answer = Texts(_text(raw, "answer_zh", where, "zh"), _text(raw, "answer_en", where, "en"))
    for key, text in (("answer_zh", answer.zh), ("answer_en", answer.en)):
        unknown = set(_PLACEHOLDER.findall(text)) - PLACEHOLDERS
        if unknown:
            names = ", ".join("{" + name + "}" for name in sorted(unknown))
            raise FaqError(f"{where}: {key} names {names}; only {{hotline}} is filled in")
    return answer


def _phrasings(raw: dict[str, Any], key: str, where: str, lang: str) -> tuple[str, ...]:
    values = _get(raw, key, list, where)
    for value in values:
        _check_language(value, f"{where}: {key}", lang)
    return tuple(values)


def _text(raw: dict[str, Any], key: str, where: str, lang: str) -> str:
    value = _get(raw, key, str, where)
    _check_language(value, f"{where}: {key}", lang)
    return value.strip()


def _check_language(value: Any, where: str, lang: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise FaqError(f"{where} must be a text that is not empty")
    if lang == "zh" and not _HAN.search(value):
        raise FaqError(f"{where} must be written in Chinese")
    if lang == "en" and not _LATIN.search(value):
        raise FaqError(f"{where} must be written in English")


def _no_repeats(entries: tuple[FaqEntry, ...]) -> None:
    seen_ids: set[str] = set()
    answered: dict[int, str] = {}
    for entry in entries:
        if entry.id in seen_ids:
            raise FaqError(f"entry {entry.id!r} appears twice")
        seen_ids.add(entry.id)
        for number in entry.source:
            if number in answered:
                raise FaqError(
                    f"entry {entry.id!r}: question {number} is already answered by "
                    f"entry {answered[number]!r}; questions that share an answer share an entry"
                )
            answered[number] = entry.id


def _synonyms(raw: Any) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        raise FaqError("[synonyms] must be a table")
    _only(raw, set(LANGUAGES), "[synonyms]")
    return {lang: _synonym_table(raw.get(lang, {}), lang) for lang in LANGUAGES}


def _synonym_table(raw: Any, lang: str) -> dict[str, str]:
    where = f"[synonyms.{lang}]"
    if not isinstance(raw, dict):
        raise FaqError(f"{where} must be a table of word = [variants]")
    canonical_of: dict[str, str] = {}
    for word, variants in raw.items():
        if not isinstance(variants, list) or not all(
            isinstance(v, str) and v.strip() for v in variants
        ):
            raise FaqError(f"{where}: {word!r} must list its variants as texts")
        for variant in variants:
            key = variant.strip().casefold()
            if key in canonical_of and canonical_of[key] != word:
                raise FaqError(
                    f"{where}: {variant!r} is listed under {canonical_of[key]!r} and {word!r}"
                )
            canonical_of[key] = word
    return canonical_of


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise FaqError(f"{where} needs a [{key}] table")
    return value


def _get(raw: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in raw:
        raise FaqError(f"{where} has no {key}")
    value = raw[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise FaqError(f"{where}: {key} must be a {kind.__name__}")
    return value


def _only(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise FaqError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
