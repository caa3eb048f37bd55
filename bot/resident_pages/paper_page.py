"""The printable sheet of a paper code ``GET /p/{ticket}`` (FAQ 18, docs/paper-code.md).

Laid out for A6 paper (105 × 148 mm): the QR 60 mm wide (a checkpoint's scanner needs at
least 5 cm), the masked name, the printing date and the sentence that the scan's live status
is what counts. The QR is black and the sheet has no colour band: the paper carries no colour,
the scan reads the live one. Like the code page it is one document with its style pinned by
hash in its Content-Security-Policy, and it loads nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from html import escape

from bot.resident_pages.code_page import HTML_LANG, TIMEZONE, compile_page
from bot.texts import DEFAULT_LANGUAGE, LANGUAGES, t

QR_WIDTH_MM = 60


@dataclass(frozen=True)
class PaperPageView:
    name_masked: str
    issued_at: datetime  # aware
    qr_data_url: str  # "data:image/png;base64,..."


def render_paper_page(view: PaperPageView, lang: str) -> str:
    """The sheet's HTML; ``ValueError`` for a naive time or a QR that is not a data URL."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    if view.issued_at.tzinfo is None:
        raise ValueError("issued_at must be an aware datetime")
    if not view.qr_data_url.startswith("data:image/"):
        raise ValueError("the QR must be a data:image/ URL: the sheet loads nothing else")
    date = view.issued_at.astimezone(TIMEZONE).strftime("%Y-%m-%d")
    values = {
        "html_lang": HTML_LANG[lang],
        "title": t("paper.title", lang),
        "name_label": t("paper.name", lang),
        "name": view.name_masked,
        "issued_label": t("paper.issued", lang),
        "issued": date,
        "qr": view.qr_data_url,
        "qr_alt": t("paper.qr_alt", lang, name=view.name_masked),
        "live_status": t("paper.live_status", lang),
        "hint": t("paper.hint", lang),
    }
    return _template().render({key: escape(value) for key, value in values.items()})


def paper_page_policy() -> str:
    return _template().csp


_SHEET = """${head}
<style>
@page { size: A6 portrait; margin: 8mm; }
html { color-scheme: light; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body {
  margin: 0 auto; width: 89mm; color: #000; background: #fff; text-align: center;
  font: 12pt/1.45 "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
    "Source Han Sans SC", sans-serif;
}
h1 { margin: 0 0 3mm; font-size: 16pt; letter-spacing: .1em; }
.qr { display: block; width: ${qr_width}mm; height: ${qr_width}mm; margin: 0 auto;
  image-rendering: pixelated; }
.live { margin: 3mm 0 2mm; font-size: 14pt; font-weight: 700; border: .6mm solid #000;
  padding: 1.5mm 2mm; }
dl { margin: 0; display: grid; grid-template-columns: auto auto; justify-content: center;
  column-gap: 3mm; font-size: 13pt; }
dt { color: #333; }
dd { margin: 0; font-weight: 700; letter-spacing: .05em; }
.hint { margin: 2mm 0 0; font-size: 9pt; color: #333; }
</style>
</head>
<body>
<h1>${title}</h1>
<img class="qr" src="${qr}" alt="${qr_alt}">
<p class="live">${live_status}</p>
<dl>
<dt>${name_label}</dt><dd>${name}</dd>
<dt>${issued_label}</dt><dd>${issued}</dd>
</dl>
<p class="hint">${hint}</p>
</body>
</html>
"""


@cache
def _template():
    # no viewport-fit=cover: a sheet to print, not a phone's full screen
    viewport = "width=device-width, initial-scale=1"
    return compile_page(_SHEET, {"qr_width": str(QR_WIDTH_MM), "viewport": viewport})
