"""The message catalogue: every sentence a person reads, in Chinese and English.

Texts live in TOML files under ``zh/`` and ``en/``, one file per topic; a key is
``<file stem>.<key>`` (``identity.checksum``). Placeholders use ``str.format`` syntax.
Both languages must define the same keys: ``tests/unit/test_texts.py`` checks it.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
_ROOT = Path(__file__).parent


@cache
def catalogue(lang: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted((_ROOT / lang).glob("*.toml")):
        with path.open("rb") as fh:
            for key, value in _flatten(tomllib.load(fh)):
                texts[f"{path.stem}.{key}"] = value
    return texts


def _flatten(table: dict, prefix: str = ""):
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The sentence ``key`` in ``lang``, with ``params`` filled in."""
    texts = catalogue(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    return texts[key].format_map(params) if params else texts[key]
