"""Ruleset files: the default one shipped with the package, or one an operator points at.

The parsing lives in the pure core (``bot.health.rules.load_ruleset``); this module only reads
files, which the core must not do.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from bot.health.rules import Ruleset, load_ruleset

DEFAULT_FILE = "default.toml"


def default_ruleset_text() -> str:
    """The text of ``bot/ruleset_files/default.toml``, read as package data so it works when
    installed."""
    return resources.files(__package__).joinpath(DEFAULT_FILE).read_text(encoding="utf-8")


def load_ruleset_file(path: str | Path) -> Ruleset:
    """Read and check a ruleset file; a bad file raises ``RulesetError``."""
    return load_ruleset(Path(path).read_text(encoding="utf-8"))


@cache
def default_ruleset() -> Ruleset:
    """The default ruleset, parsed once per process (loading runs its cases)."""
    return load_ruleset(default_ruleset_text())
