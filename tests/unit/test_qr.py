"""QR rendering: the image scans back to the exact token, in every colour, at a small version."""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
import qrcode
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageEnhance, ImageFilter
from qrcode import base, util
from qrcode.constants import ERROR_CORRECT_Q

from bot.health import qr
from bot.health.colors import Color
from bot.health.tokens import Keyring, SigningKey, issue_token
from tests.support.qr import qr_codes

RING = Keyring(SigningKey.generate())


def token(rules_version: str = "r12") -> str:
    return issue_token(
        RING,
        code_id=os.urandom(16),
        color=Color.GREEN,
        region=120101,
        rules_version=rules_version,
        now=datetime.now(UTC),
        lifetime=timedelta(seconds=120),
    )


def scan(png: bytes) -> zxingcpp.Barcode:
    # zxing-cpp can report one symbol twice (seen once in ~thousands of runs): what matters is
    # that every reading is the same single code
    found = qr_codes(png)
    assert found and len({barcode.text for barcode in found}) == 1
    return found[0]


@pytest.mark.parametrize("color", list(Color))
def test_png_scans_back_to_the_exact_token(color: Color) -> None:
    for _ in range(20):  # different data exercise the fixed mask differently
        text = token()
        found = scan(qr.render_png(text, color))
        assert found.text == text
        assert found.format == zxingcpp.BarcodeFormat.QRCode
        assert found.ec_level == "Q"
        assert int(found.extra["Version"]) <= 8


@pytest.mark.parametrize("color", list(Color))
def test_longest_token_scans_at_version_9(color: Color) -> None:
    text = token("x" * 16)
    found = scan(qr.render_png(text, color))
    assert (found.text, found.extra["Version"]) == (text, "9")


@pytest.mark.parametrize("scale", [2, 3, 5, 16])
def test_other_scales_scan(scale: int) -> None:
    text = token()
    png = qr.render_png(text, Color.ORANGE, scale=scale)
    assert Image.open(io.BytesIO(png)).size == ((8 * 4 + 17 + 2 * qr.QUIET_ZONE) * scale,) * 2
    assert scan(png).text == text


@pytest.mark.parametrize("color", list(Color))
def test_png_is_a_two_colour_palette_of_the_ink_on_white(color: Color) -> None:
    image = Image.open(io.BytesIO(qr.render_png(token(), color)))
    assert image.mode == "P"
    assert image.size == (57 * 8, 57 * 8)
    colours = {rgb for _, rgb in image.convert("RGB").getcolors()}
    ink = tuple(bytes.fromhex(qr.INK[color][1:]))
    assert colours == {(255, 255, 255), ink}


@pytest.mark.parametrize("color", list(Color))
def test_each_ink_has_contrast_to_spare(color: Color) -> None:
    # Orange is the palest ink (contrast 2.5:1 on white); a small, blurred, washed-out picture,
    # as a cheap phone camera takes it, still scans.
    for _ in range(10):
        text = token()
        image = Image.open(io.BytesIO(qr.render_png(text, color))).convert("RGB")
        image = image.resize((image.width // 3, image.height // 3), Image.Resampling.BILINEAR)
        image = ImageEnhance.Contrast(image.filter(ImageFilter.GaussianBlur(1))).enhance(0.6)
        assert [found.text for found in qr_codes(image)] == [text]


def test_quiet_zone_is_white() -> None:
    image = Image.open(io.BytesIO(qr.render_png(token(), Color.RED))).convert("1")
    margin = qr.QUIET_ZONE * 8
    assert image.crop((0, 0, image.width, margin)).getextrema() == (255, 255)
    assert image.crop((0, 0, margin, image.height)).getextrema() == (255, 255)


@pytest.mark.parametrize("color", list(Color))
def test_svg_draws_the_same_modules(color: Color) -> None:
    text = token()
    svg = ElementTree.fromstring(qr.render_svg(text, color))
    side = 49 + 2 * qr.QUIET_ZONE
    assert svg.get("viewBox") == f"0 0 {side} {side}"
    path = svg.find("{http://www.w3.org/2000/svg}path")
    assert path is not None and path.get("fill") == qr.INK[color]
    drawn = [[False] * side for _ in range(side)]
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path.get("d", "")):
        for column in range(int(x), int(x) + int(width)):
            drawn[int(y)][column] = True
    assert drawn == qr._with_quiet_zone(qr.modules(text))


def test_capacity_table_matches_the_standard() -> None:
    for version, capacity in enumerate(qr.CAPACITY_Q_ALPHANUMERIC, start=1):
        blocks = base.rs_blocks(version, ERROR_CORRECT_Q)
        bits = sum(b.data_count for b in blocks) * 8
        bits -= 4 + util.length_in_bits(util.MODE_ALPHA_NUM, version)
        assert capacity == bits // 11 * 2 + (bits % 11 >= 6)


@pytest.mark.parametrize("version", range(1, 11))
def test_version_table_picks_the_smallest_that_fits(version: int) -> None:
    capacity = qr.CAPACITY_Q_ALPHANUMERIC[version - 1]
    assert qr.version_for(capacity) == version
    assert len(qr.modules("A" * capacity)) == 4 * version + 17
    if version < 10:
        assert qr.version_for(capacity + 1) == version + 1


def test_no_search_for_version_or_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    # The speed comes from never calling these (docs/architecture.md).
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("searched")

    monkeypatch.setattr(qrcode.QRCode, "best_fit", refuse)
    monkeypatch.setattr(qrcode.QRCode, "best_mask_pattern", refuse)
    text = token()
    assert scan(qr.render_png(text, Color.GREEN)).text == text


@pytest.mark.parametrize("text", ["HC1:lowercase", "HC1:" + "A" * 222, "二维码"])
def test_text_that_is_not_a_token_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        qr.render_png(text, Color.GREEN)


def _qrcode_modules(text: str, version: int) -> list[list[bool]]:
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_Q, mask_pattern=0)
    code.add_data(util.QRData(text, mode=util.MODE_ALPHA_NUM))
    code.make(fit=False)
    return code.modules


@given(st.text(alphabet=util.ALPHA_NUM.decode(), min_size=1, max_size=221))
def test_the_fast_matrix_is_the_one_qrcode_makes(text: str) -> None:
    version = qr.version_for(len(text))
    assert qr.modules(text) == _qrcode_modules(text, version)


@pytest.mark.parametrize("version", range(1, 11))
def test_the_fast_matrix_is_qrcodes_at_every_version_full(version: int) -> None:
    text = token()[: qr.CAPACITY_Q_ALPHANUMERIC[version - 1]].ljust(
        qr.CAPACITY_Q_ALPHANUMERIC[version - 1], "9"
    )
    assert qr.modules(text) == _qrcode_modules(text, version)
