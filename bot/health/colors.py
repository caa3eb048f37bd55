"""The three colours of a health code and their order of severity (docs/architecture.md)."""

from __future__ import annotations

from enum import StrEnum


class Color(StrEnum):
    GREEN = "green"
    ORANGE = "orange"
    RED = "red"

    @property
    def severity(self) -> int:
        """0 for green, 1 for orange, 2 for red: larger is worse."""
        return _SEVERITY[self]

    @classmethod
    def worst(cls, *colors: Color) -> Color:
        """The most severe of ``colors``; red beats orange beats green.

        Raises ``ValueError`` when given nothing: "no colour" must be decided by the caller
        (a ruleset with no matching rule), never silently become green here.
        """
        if not colors:
            raise ValueError("Color.worst() needs at least one colour")
        return max(colors, key=_SEVERITY.__getitem__)


# String comparison of a StrEnum would order them alphabetically, hence an explicit rank.
_SEVERITY: dict[Color, int] = {Color.GREEN: 0, Color.ORANGE: 1, Color.RED: 2}
