"""FAQ files on disk: the one shipped for the default region, or one an operator names
(``HC_FAQ_FILE``). Each is read and indexed once per process: the matcher is what a message
needs, and building it (the segmenter's dictionary, the indexes) is the slow part."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from bot.faq.entries import Faq, FaqError
from bot.faq.loading import load_faq
from bot.faq.matcher import FaqMatcher

DEFAULT_REGION = "tianjin"


def default_faq_text() -> str:
    """``bot/regions/tianjin/faq.toml``, read as package data so it works when installed."""
    return (files("bot") / "regions" / DEFAULT_REGION / "faq.toml").read_text(encoding="utf-8")


def load_faq_file(path: str | Path) -> Faq:
    """Read and check a FAQ file; a bad one raises ``FaqError`` naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise FaqError(f"{path}: {error.strerror or error}") from error
    try:
        return load_faq(text)
    except FaqError as error:
        raise FaqError(f"{path}: {error}") from error


@cache
def faq_matcher(path: str | None = None) -> FaqMatcher:
    """The matcher of the FAQ at ``path`` (None: the default region's), built once."""
    faq = load_faq_file(path) if path else load_faq(default_faq_text())
    return FaqMatcher(faq)
