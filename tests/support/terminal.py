"""What a terminal shows, as an image: half-block lines drawn the way a screen draws them, so a
QR decoder can read a code the terminal chat printed."""

from __future__ import annotations

from PIL import Image

_HALVES = {"█": (0, 1), "▀": (0,), "▄": (1,), " ": ()}


def screen(lines: list[str], pixels: int = 4) -> Image.Image:
    """A character's ink dark, its ground light; each cell `pixels` wide and twice as tall,
    its upper and lower half one module each."""
    width, height = max(map(len, lines)), len(lines)
    image = Image.new("L", (width * pixels, height * 2 * pixels), 255)
    for row, line in enumerate(lines):
        for col, char in enumerate(line):
            for half in _HALVES[char]:
                top = (2 * row + half) * pixels
                image.paste(0, (col * pixels, top, (col + 1) * pixels, top + pixels))
    return image
