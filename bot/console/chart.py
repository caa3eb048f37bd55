"""Colours by district as an inline SVG: stacked horizontal bars, one per district.

Inline, so the console loads nothing from anywhere; each segment names its district, colour and
count in a ``<title>`` (a tooltip, and what a screen reader reads), and the district table
beside it repeats every number in words: colour is never the only signal.
"""

from __future__ import annotations

from html import escape

from bot.health.colors import Color
from bot.resident_pages.code_page import ICONS, PALETTE
from bot.services.officials.stats import DistrictCodes
from bot.texts import t

ROW, BAR, TOP = 26, 16, 34
BAR_WIDTH, NUMBER_WIDTH = 440, 64


def colour_chart(districts: list[DistrictCodes], lang: str) -> str:
    rows = [d for d in districts if d.adcode is not None or d.total]
    most = max((d.total for d in rows), default=0)
    if most == 0:
        return f'<p class="empty">{escape(t("console.chart_empty", lang))}</p>'
    label_width = 150 if lang == "en" else 84
    width = label_width + BAR_WIDTH + NUMBER_WIDTH
    height = TOP + ROW * len(rows)
    title = escape(t("console.chart_title", lang))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{title}</title>',
        _legend(lang),
    ]
    for i, d in enumerate(rows):
        parts.append(_row(d, TOP + i * ROW, label_width, most, lang))
    parts.append("</svg>")
    return "".join(parts)


def _legend(lang: str) -> str:
    items, x = [], 0
    for color in Color:
        word = escape(f"{ICONS[color]} {t(f'page.color_{color}', lang)}")
        items.append(
            f'<rect x="{x}" y="6" width="14" height="14" rx="3" fill="{PALETTE[color][0]}"/>'
            f'<text x="{x + 20}" y="18" class="legend">{word}</text>'
        )
        x += 110
    return "".join(items)


def _row(d: DistrictCodes, y: int, label_width: int, most: int, lang: str) -> str:
    name = _name(d, lang)
    parts = [f'<text x="{label_width - 8}" y="{y + BAR - 3}" class="label">{escape(name)}</text>']
    x = float(label_width)
    for color in Color:
        count = d.colors[color.value]
        if not count:
            continue
        width = max(2.0, BAR_WIDTH * count / most)
        tip = f"{name} · {t(f'page.color_{color}', lang)} {count}"
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR}" '
            f'fill="{PALETTE[color][0]}"><title>{escape(tip)}</title></rect>'
        )
        x += width
    parts.append(f'<text x="{x + 6:.1f}" y="{y + BAR - 3}" class="number">{d.total}</text>')
    return "".join(parts)


def _name(d: DistrictCodes, lang: str) -> str:
    if d.adcode is None:
        return t("console.no_district", lang)
    return (d.name_en if lang == "en" else d.name) or str(d.adcode)
