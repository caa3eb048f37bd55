"""The module matrix of a token's QR code, made fast for the one shape tokens have.

``qrcode`` builds a symbol in about 1.1 ms here: most of it is Reed–Solomon done with its
``Polynomial`` objects and ``map_data`` walking the symbol and calling the mask per module.
A token is always alphanumeric text at error correction Q under a fixed mask, so everything
that does not depend on the token is worked out once per version, with ``qrcode``'s own tables
and pattern code: the function patterns and format information (a template), the order in which
data modules are visited, and the mask bit of each. Per token what remains is packing the bits,
the error-correction bytes (a shift register on Python integers, one table lookup per data
byte) and one pass writing the bits into the template. The result is the same matrix ``qrcode``
makes (``tests/unit/test_qr.py`` compares them), in about a fifth of the time.
"""

from __future__ import annotations

from functools import cache

import qrcode
from qrcode import LUT, base, util
from qrcode.constants import ERROR_CORRECT_Q
from qrcode.util import MODE_ALPHA_NUM

_ALPHANUMERIC = {c: i for i, c in enumerate(util.ALPHA_NUM.decode())}


@cache
def _layout(version: int, mask: int) -> tuple[list[list[bool | None]], list[tuple[int, int, bool]]]:
    """The template (function patterns and format information set, data modules None) and
    the data modules in placement order, each with its mask bit."""
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_Q, mask_pattern=mask)
    n = code.modules_count = version * 4 + 17
    code.modules = [[None] * n for _ in range(n)]
    code.setup_position_probe_pattern(0, 0)
    code.setup_position_probe_pattern(n - 7, 0)
    code.setup_position_probe_pattern(0, n - 7)
    code.setup_position_adjust_pattern()
    code.setup_timing_pattern()
    code.setup_type_info(False, mask)
    if version >= 7:
        code.setup_type_number(False)
    template = code.modules
    masked = util.mask_func(mask)
    order: list[tuple[int, int, bool]] = []
    row, step = n - 1, -1  # the walk of qrcode's map_data: column pairs from the right
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1  # the vertical timing pattern's column is skipped
        while 0 <= row < n:
            for c in (col, col - 1):
                if template[row][c] is None:
                    order.append((row, c, bool(masked(row, c))))
            row += step
        row -= step
        step = -step
    return template, order


@cache
def _blocks(version: int) -> list[tuple[int, int]]:
    """(data bytes, error-correction bytes) of each block."""
    return [
        (b.data_count, b.total_count - b.data_count)
        for b in base.rs_blocks(version, ERROR_CORRECT_Q)
    ]


@cache
def _remainder_table(ec_count: int) -> list[int]:
    """For each feedback byte, the generator polynomial times it, as one integer of
    ``ec_count`` bytes: the shift register's whole step is one lookup and one XOR."""
    generator = LUT.rsPoly_LUT[ec_count][1:]  # the leading coefficient is 1
    table = [0]
    for factor in range(1, 256):
        log = base.glog(factor)
        row = 0
        for g in generator:
            row = (row << 8) | (base.gexp(log + base.glog(g)) if g else 0)
        table.append(row)
    return table


def _error_correction(data: bytes, ec_count: int) -> bytes:
    table = _remainder_table(ec_count)
    shift = 8 * (ec_count - 1)
    keep = (1 << (8 * ec_count)) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & keep) ^ table[byte ^ (remainder >> shift)]
    return remainder.to_bytes(ec_count, "big")


def _codewords(token: str, version: int) -> bytes:
    blocks = _blocks(version)
    capacity = 8 * sum(d for d, _ in blocks)
    bits, length = 0b0010, 4  # the alphanumeric mode indicator
    count_bits = util.length_in_bits(MODE_ALPHA_NUM, version)
    bits, length = (bits << count_bits) | len(token), length + count_bits
    for i in range(0, len(token) - 1, 2):
        pair = _ALPHANUMERIC[token[i]] * 45 + _ALPHANUMERIC[token[i + 1]]
        bits, length = (bits << 11) | pair, length + 11
    if len(token) % 2:
        bits, length = (bits << 6) | _ALPHANUMERIC[token[-1]], length + 6
    if length > capacity:
        raise ValueError(f"{len(token)} characters do not fit version {version}")
    pad = min(capacity - length, 4)  # the terminator, then zeros to a whole byte
    pad += -(length + pad) % 8
    bits, length = bits << pad, length + pad
    data = bytearray(bits.to_bytes(length // 8, "big"))
    for i in range((capacity - length) // 8):
        data.append(util.PAD0 if i % 2 == 0 else util.PAD1)
    data_blocks, ec_blocks, offset = [], [], 0
    for data_count, ec_count in blocks:
        block = bytes(data[offset : offset + data_count])
        offset += data_count
        data_blocks.append(block)
        ec_blocks.append(_error_correction(block, ec_count))
    return _interleaved(data_blocks) + _interleaved(ec_blocks)


def _interleaved(blocks: list[bytes]) -> bytes:
    longest = max(len(b) for b in blocks)
    return bytes(b[i] for i in range(longest) for b in blocks if i < len(b))


def token_matrix(token: str, version: int, mask: int) -> list[list[bool]]:
    """Dark (True) and light modules of ``token`` (QR alphanumeric text) at level Q."""
    template, order = _layout(version, mask)
    codewords = _codewords(token, version)
    stream = format(int.from_bytes(codewords, "big"), f"0{8 * len(codewords)}b")
    stream += "0" * (len(order) - len(stream))  # remainder bits
    modules: list[list[bool]] = [row[:] for row in template]  # type: ignore[misc]
    for (row, col, flip), bit in zip(order, stream, strict=True):
        modules[row][col] = (bit == "1") != flip
    return modules
