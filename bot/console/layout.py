"""The console's page shell: one HTML document with its style inline and no script at all.

The look follows the code page (same type, background and cards, the same colour palette); the
Content-Security-Policy allows that one style block, data: images and forms posted to this
site, and nothing else — no script, no frame, no request to another origin.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from bot.resident_pages.code_page import HTML_LANG, PALETTE

_STYLE = (
    "\n".join(
        f".c-{color} {{ --band: {background}; --on-band: {text}; }}"
        for color, (background, text) in PALETTE.items()
    )
    + """
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; color-scheme: light; }
body {
  margin: 0; background: #eef0f3; color: #1f2328;
  font: 16px/1.5 -apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "Segoe UI", Roboto, sans-serif;
}
header.top {
  display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 12px 20px;
  background: #1f2328; color: #fff;
}
header.top h1 { margin: 0; font-size: 20px; letter-spacing: .08em; flex: 1 1 auto; }
header.top a, header.top .who { color: #fff; font-size: 15px; }
header.top form { margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 14px 40px; }
.card {
  margin: 0 0 16px; padding: 18px; background: #fff; border-radius: 16px;
  box-shadow: 0 2px 12px rgba(0, 0, 0, .08); overflow-x: auto;
}
.card h2 { margin: 0 0 12px; font-size: 18px; }
.flash { padding: 12px 16px; border-radius: 12px; margin: 0 0 16px; font-weight: 700; }
.flash.ok { background: #e6f4ea; color: #0f5132; }
.flash.error { background: #fdecea; color: #a40e26; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; }
.tile { flex: 1 1 140px; padding: 12px 14px; border-radius: 12px; background: #f4f5f7; }
.tile .k { display: block; font-size: 14px; color: #57606a; }
.tile .v { display: block; font-size: 28px; font-weight: 800; font-variant-numeric: tabular-nums; }
.tile.c-green, .tile.c-orange, .tile.c-red { background: var(--band); color: var(--on-band); }
.tile.c-green .k, .tile.c-orange .k, .tile.c-red .k { color: inherit; opacity: .9; }
.chart { display: block; max-width: 100%; height: auto; font-size: 13px; }
.chart .label { text-anchor: end; fill: #1f2328; }
.chart .number, .chart .legend { fill: #3d444d; }
table { border-collapse: collapse; width: 100%; font-size: 15px; }
th, td {
  padding: 6px 8px; border-bottom: 1px solid #eceef1; text-align: left; vertical-align: top;
}
th { font-weight: 600; color: #57606a; white-space: nowrap; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.badge {
  display: inline-block; padding: 1px 10px; border-radius: 999px; font-weight: 700;
  background: var(--band); color: var(--on-band); white-space: nowrap;
}
.tier-low { color: #15803d; } .tier-medium { color: #9a5b00; } .tier-high { color: #c62828; }
.tier { font-weight: 700; }
form.inline { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 0; }
input, select, textarea, button { font: inherit; }
input[type=text], input[type=password], input[type=date], select, textarea {
  min-height: 36px; padding: 4px 8px; border: 1px solid #c9ced6; border-radius: 8px;
  background: #fff; color: #1f2328;
}
textarea { width: 100%; min-height: 72px; }
button {
  min-height: 36px; padding: 4px 16px; border: 0; border-radius: 999px; cursor: pointer;
  background: #1f2328; color: #fff; font-weight: 700;
}
button.accept { background: #15803d; } button.reject { background: #8c1d18; }
button.quiet { background: transparent; color: #fff; border: 1px solid #fff; }
.appeal { border-top: 1px solid #eceef1; padding: 14px 0 4px; }
.appeal:first-of-type { border-top: 0; padding-top: 0; }
.appeal h3 { margin: 0 0 6px; font-size: 16px; }
.meta { margin: 0 0 8px; color: #57606a; font-size: 14px; }
.reasons { margin: 0 0 8px; padding-left: 1.2em; font-size: 14px; color: #3d444d; }
.said { margin: 0 0 10px; padding: 10px 12px; background: #f4f5f7; border-radius: 10px;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.fields { display: flex; flex-wrap: wrap; gap: 8px 16px; margin: 8px 0; }
.fields label { display: flex; flex-direction: column; font-size: 14px; color: #57606a; }
.buttons { display: flex; gap: 10px; }
.empty { color: #57606a; margin: 0; }
.login { max-width: 26em; margin: 10vh auto; }
.login label { display: block; margin: 0 0 6px; font-weight: 600; }
.login input { width: 100%; margin: 0 0 12px; }
.hint { color: #57606a; font-size: 14px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
"""
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()

CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    # not no-referrer: with it Chromium sends ``Origin: null`` on form posts, which the
    # same-origin check must refuse; our URLs hold nothing private for our own origin to see
    "Referrer-Policy": "same-origin",
}  # X-Frame-Options and X-Content-Type-Options: every answer's (handlers/security_headers.py)


def document(lang: str, title: str, body: str) -> str:
    """The whole page: ``body`` is HTML already escaped by its maker."""
    return (
        f'<!doctype html>\n<html lang="{HTML_LANG.get(lang, "zh-CN")}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="same-origin">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
