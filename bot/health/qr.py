"""Render a token as a QR code, fast (docs/architecture.md).

``qrcode.make`` costs about 9 ms, most of it searching the smallest version (``best_fit``) and
trying all eight masks (``best_mask_pattern`` scores each with ``lost_point``). A token is base45
text of a known length, so the version comes from a table and the mask is fixed, and the matrix
is made by ``bot.health.qr_matrix`` (the same symbol in a fifth of ``qrcode``'s own time); the
PNG is written here as a 1-bit, two-colour palette image.
"""

from __future__ import annotations

import struct
import zlib

from bot.health.colors import Color
from bot.health.qr_matrix import token_matrix

# Dark enough on white for phone scanners; every one is decoded by zxing in the tests.
INK: dict[Color, str] = {Color.GREEN: "#1a9e4b", Color.ORANGE: "#f08c00", Color.RED: "#d62b2b"}
# A paper code carries no colour (its scan reads the live one): printed black, as toner is.
PAPER_INK = "#000000"
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks

# Alphanumeric characters a version 1..10 symbol holds at error correction Q (ISO/IEC 18004
# table 7); tests check it against qrcode's own block tables.
CAPACITY_Q_ALPHANUMERIC = (16, 29, 47, 67, 87, 108, 125, 157, 189, 221)
# Over random tokens mask 0 has the lowest mean penalty for versions 7 and 8 and is within 1 %
# of the best for 9 and 10, so trying the others is not worth their 80 % of the time.
MASK_PATTERN = 0

_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_WHITE = b"\xff\xff\xff"
# level 2: 1.1 kB in 0.02 ms; the default 6 makes 0.7 kB in 0.16 ms, a fifth of the whole image
_ZLIB_LEVEL = 2


def version_for(length: int) -> int:
    """The smallest QR version holding ``length`` alphanumeric characters at level Q."""
    for version, capacity in enumerate(CAPACITY_Q_ALPHANUMERIC, start=1):
        if length <= capacity:
            return version
    raise ValueError(f"{length} characters do not fit a version 10 QR code")


def modules(token: str) -> list[list[bool]]:
    """The symbol's dark (True) and light modules, without the quiet zone."""
    if not set(token) <= _ALPHANUMERIC:
        raise ValueError("a token is QR alphanumeric text (base45 behind a prefix)")
    return token_matrix(token, version_for(len(token)), MASK_PATTERN)


def render_png(token: str, color: Color | None, *, scale: int = 8) -> bytes:
    """A PNG of the token's QR code: ``color`` ink on white (None: a paper code's black),
    ``scale`` pixels a module."""
    if scale < 1:
        raise ValueError("scale must be at least 1 pixel a module")
    matrix = _with_quiet_zone(modules(token))
    side = len(matrix) * scale
    scanlines = b"".join(_scanline(row, scale) * scale for row in matrix)
    header = struct.pack(">IIBBBBB", side, side, 1, 3, 0, 0, 0)  # 1 bit, palette
    return b"".join(
        (
            _PNG_SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"PLTE", _WHITE + bytes.fromhex((INK[color] if color else PAPER_INK)[1:])),
            _chunk(b"IDAT", zlib.compress(scanlines, _ZLIB_LEVEL)),
            _chunk(b"IEND", b""),
        )
    )


def render_svg(token: str, color: Color) -> str:
    """An SVG of the token's QR code, one path of horizontal runs; scales to any size."""
    matrix = _with_quiet_zone(modules(token))
    side = len(matrix)
    path = "".join(_runs(row, y) for y, row in enumerate(matrix))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
        f'shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#ffffff"/>'
        f'<path fill="{INK[color]}" d="{path}"/></svg>'
    )


def _with_quiet_zone(matrix: list[list[bool]]) -> list[list[bool]]:
    blank = [False] * (len(matrix) + 2 * QUIET_ZONE)
    edge = [False] * QUIET_ZONE
    rows = [edge + row + edge for row in matrix]
    return [blank] * QUIET_ZONE + rows + [blank] * QUIET_ZONE


def _scanline(row: list[bool], scale: int) -> bytes:
    # Palette index 1 (the ink) for a dark module; rows are padded to whole bytes. Widening
    # with bytes.replace keeps the per-pixel work in C: 0.1 ms an image instead of 0.2.
    bits = bytes(row).replace(b"\x00", b"0" * scale).replace(b"\x01", b"1" * scale)
    pad = -len(bits) % 8
    return b"\x00" + (int(bits, 2) << pad).to_bytes((len(bits) + pad) // 8, "big")


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _runs(row: list[bool], y: int) -> str:
    out, x = [], 0
    while x < len(row):
        if not row[x]:
            x += 1
            continue
        start = x
        while x < len(row) and row[x]:
            x += 1
        out.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    return "".join(out)
