"""Reading QR codes back, the way a checkpoint's scanner does: QR codes only.

zxing-cpp looks for every symbology unless told otherwise, and now and then also reads a few
modules of a QR code as a short linear barcode (seen in CI: "4177" beside the token).
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image


def qr_codes(image: Image.Image | bytes) -> list[zxingcpp.Barcode]:
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def decode_qr(png: bytes) -> str:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    found = qr_codes(png)
    assert len(found) == 1, found
    return found[0].text
