"""An image drawn in a terminal with half-block characters, so a QR code scans from the screen.

A terminal cell is about twice as tall as it is wide, so one cell holds two modules stacked:
``▀`` (top dark), ``▄`` (bottom dark), ``█`` (both) or a space (neither). The glyph's ink is the
dark module. On a terminal the lines are drawn black on white whatever the terminal's own
colours, because a phone's scanner wants dark modules on a light ground (an inverted code,
light on dark, is not read by every scanner); piped output carries no colours, and its ink is
the dark module as is.

A QR code is recognised in the picture (its top-left finder pattern gives the module size) and
drawn one module per half cell, with a quiet zone of four modules; anything else is sampled
down to fit the width.
"""

from __future__ import annotations

import png

QUIET_ZONE = 4  # modules of light around a QR code (ISO/IEC 18004)
MAX_COLUMNS = 72  # a picture that is not a QR code is sampled down to this width
FINDER_MODULES = 7  # the finder pattern's dark outer square is 7 modules wide
# Black ink on a white ground in the 256-colour palette (16 and 231 are the same on every
# terminal that has one, unlike the 16 basic colours, which themes redefine).
ON_TERMINAL = "\033[38;5;16;48;5;231m"
RESET = "\033[0m"
_CELLS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}

Grid = list[list[bool]]


class NotAnImage(ValueError):
    """The bytes are not a PNG this module can read."""


def dark_pixels(data: bytes) -> Grid:
    """Each pixel of a PNG as dark (True) or light, split halfway between its darkest and its
    lightest pixel (a code's ink may be orange, lighter than a fixed threshold would allow)."""
    try:
        luma = _luma_rows(data)
    except (png.Error, ValueError, OverflowError, IndexError) as exc:
        raise NotAnImage(str(exc)) from exc
    if not luma or not luma[0]:
        raise NotAnImage("an empty image")
    darkest, lightest = min(map(min, luma)), max(map(max, luma))
    if lightest - darkest < 32:
        return [[False] * len(row) for row in luma]  # one colour: nothing to draw
    middle = (darkest + lightest) / 2
    return [[value < middle for value in row] for row in luma]


def _luma_rows(data: bytes) -> list[list[float]]:
    _width, _height, rows, info = png.Reader(bytes=data).read()
    palette = info.get("palette")
    if palette:  # the service's own codes: one brightness per palette entry, looked up
        table = [_luma(*entry) for entry in palette]
        return [[table[index] for index in row] for row in rows]
    _width, _height, rows, _info = png.Reader(bytes=data).asRGBA8()
    return [
        [_luma(*pixel) for pixel in zip(row[0::4], row[1::4], row[2::4], row[3::4], strict=True)]
        for row in rows
    ]


def _luma(r: int, g: int, b: int, a: int = 255) -> float:
    # over a white ground, as WeChat shows a transparent picture
    alpha = a / 255
    return 255 * (1 - alpha) + alpha * (0.299 * r + 0.587 * g + 0.114 * b)


def qr_modules(pixels: Grid) -> Grid | None:
    """The modules of the QR code the picture shows, without its quiet zone; None if none."""
    top = next((y for y, row in enumerate(pixels) if any(row)), None)
    if top is None:
        return None
    left = pixels[top].index(True)
    run = _dark_run(pixels[top], left)
    module = run // FINDER_MODULES
    if module < 1 or run % FINDER_MODULES:
        return None
    right = max(len(row) - 1 - row[::-1].index(True) for row in pixels if any(row))
    bottom = max(y for y, row in enumerate(pixels) if any(row))
    side = right - left + 1
    count = side // module
    if side % module or (count - 21) % 4 or count < 21 or bottom - top + 1 != side:
        return None
    half = module // 2
    return [
        [pixels[top + i * module + half][left + j * module + half] for j in range(count)]
        for i in range(count)
    ]


def _dark_run(row: list[bool], start: int) -> int:
    end = start
    while end < len(row) and row[end]:
        end += 1
    return end - start


def sampled(pixels: Grid, columns: int = MAX_COLUMNS) -> Grid:
    """The picture sampled down to at most `columns` cells wide (square samples)."""
    step = max(1, -(-len(pixels[0]) // columns))
    half = step // 2
    return [
        [row[min(x + half, len(row) - 1)] for x in range(0, len(row), step)]
        for row in (pixels[min(y + half, len(pixels) - 1)] for y in range(0, len(pixels), step))
    ]


def with_quiet_zone(modules: Grid, quiet: int = QUIET_ZONE) -> Grid:
    width = len(modules[0]) + 2 * quiet
    blank = [[False] * width for _ in range(quiet)]
    return blank + [[False] * quiet + row + [False] * quiet for row in modules] + blank


def halfblock_lines(grid: Grid) -> list[str]:
    """Two rows of the grid per line of text; an odd last row gets a light row below it."""
    rows = grid + ([[False] * len(grid[0])] if len(grid) % 2 else [])
    return [
        "".join(_CELLS[top, bottom] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(rows[::2], rows[1::2], strict=True)
    ]


def picture_lines(data: bytes, *, colors: bool) -> tuple[str, list[str]]:
    """What the picture is ("a QR code, 49×49 modules") and its lines for the terminal."""
    pixels = dark_pixels(data)
    modules = qr_modules(pixels)
    if modules is not None:
        what, grid = f"a QR code, {len(modules)}×{len(modules)} modules", with_quiet_zone(modules)
    else:
        what, grid = f"a picture, {len(pixels[0])}×{len(pixels)} pixels", sampled(pixels)
    lines = halfblock_lines(grid)
    if colors:
        lines = [ON_TERMINAL + line + RESET for line in lines]
    return what, lines
