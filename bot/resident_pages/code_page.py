"""The code page ``GET /c/{ticket}``: the QR, the colour in words, a running clock
(docs/architecture.md).

A screenshot must be visibly stale (FAQ questions 8 and 20): the page shows when its token was
issued beside a clock that runs every second on the server's time, refreshes the token before it
expires, and greys the QR out once it has. Everything is in the one HTML document — styles,
script, the QR as a data URL — because a checkpoint's mobile network is poor and a third-party
request would leak the ticket in the link. A Content-Security-Policy with the hashes of the inline
style and script makes the browser refuse anything else.

The page's script polls ``location.pathname + "/code.json?lang=<the page's language>"`` and
expects (``color_text`` is optional: the page says the colour with its own words)::

    {"color": "green"|"orange"|"red", "color_text": str, "name": str, "reasons": [str, ...],
     "issued_at": ISO 8601 with offset, "expires_at": ISO 8601 with offset,
     "token": "HC1:...", "district": str | null (optional)}

and draws the token's QR itself (``drawQr``, with Lean QR, MIT, vendored in
``bot/resident_pages/vendor/`` and inlined like the rest): the page arrives with the server's
image, and each refresh costs the server a signature, not an image (bench/README.md).

with the server's ``Date`` header; 403/404/410 (body ``{"error": {"message": ...}}``) ends the
page's polling and shows the message, anything else is retried with backoff.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from html import escape
from importlib.resources import files
from zoneinfo import ZoneInfo

from bot.health.colors import Color
from bot.health.qr import INK
from bot.texts import DEFAULT_LANGUAGE, LANGUAGES, t

TIMEZONE = ZoneInfo("Asia/Shanghai")

# Never colour alone: each colour also has a symbol and a word (docs/architecture.md).
ICONS: dict[Color, str] = {Color.GREEN: "✓", Color.ORANGE: "!", Color.RED: "✕"}
# Band background and the text on it; every pair is at least 4.5:1 (WCAG AA, checked by tests).
# Orange keeps a bright background with dark text so it cannot be mistaken for red.
PALETTE: dict[Color, tuple[str, str]] = {
    Color.GREEN: ("#15803d", "#ffffff"),
    Color.ORANGE: ("#f08c00", "#1f1300"),
    Color.RED: ("#c62828", "#ffffff"),
}
HTML_LANG = {"zh": "zh-CN", "en": "en"}


@dataclass(frozen=True)
class RefreshPolicy:
    """When the page asks for a new token; sent to the page's script as ``policy``."""

    fraction: float = 0.2  # refresh when this share of the token's life remains ...
    margin_s: int = 10  # ... but never later than this many seconds before expiry,
    min_interval_s: int = 5  # never more often than this, also the first retry's delay,
    retry_max_s: int = 30  # and retries back off up to this.


POLICY = RefreshPolicy()


@dataclass(frozen=True)
class CodePageView:
    ticket: str
    color: str  # "green" | "orange" | "red"
    name_masked: str  # e.g. "张*三"
    reasons: tuple[str, ...]  # already in the page's language
    issued_at: datetime  # aware, of the token currently shown
    expires_at: datetime
    qr_data_url: str  # "data:image/png;base64,..." of the current token's QR
    district: str | None = None  # e.g. "和平区 · 中风险" (already localised)
    region: str = ""  # the region's short name in the page's language: "天津", "Beijing"
    paper: str | None = None  # e.g. "已打印纸质码（2026-12-01 打印）" (docs/paper-code.md)


def render_code_page(view: CodePageView, lang: str, *, now: datetime | None = None) -> str:
    """The whole HTML document for ``view``; ``now`` (the server's clock) defaults to the present.

    ``ValueError`` for an unknown colour, a naive time, or a QR that is not a data URL: each
    would make the page lie (a wrong colour, a clock hours off, a request to another site).
    """
    lang = _language(lang)
    color = Color(view.color)
    _check(view)
    now = now or datetime.now(UTC)
    word = t(f"page.color_{color}", lang)
    issued_date, issued_time = _wall(view.issued_at)
    now_date, now_time = _wall(now)
    life = (view.expires_at - view.issued_at).total_seconds()
    left = (view.expires_at - now).total_seconds()
    values = {
        "html_lang": HTML_LANG[lang],
        "title": t("page.title", lang, region=view.region).strip(),
        "theme_color": PALETTE[color][0],
        "color": color.value,
        "icon": ICONS[color],
        "color_text": word,
        "advice": t(f"page.advice_{color}", lang),
        "name_label": t("page.name", lang),
        "name": view.name_masked,
        "qr": view.qr_data_url,
        "qr_alt": t("page.qr_alt", lang, color=word, name=view.name_masked),
        "expired": t("page.expired", lang),
        "reload": t("page.reload", lang),
        "life_label": t("page.life", lang),
        "life_max": str(round(life)),
        "life_now": str(max(0, round(left))),
        "now_label": t("page.now", lang),
        "clock": now_time,
        "clock_date": now_date,
        "updated_label": t("page.updated", lang),
        "issued_iso": view.issued_at.isoformat(),
        "issued_text": f"{issued_date} {issued_time}",
        "noscript": t("page.noscript", lang),
        "hint": t("page.hint", lang),
        "district_label": t("page.district", lang),
        "district": view.district or "",
        "reasons_label": t("page.reasons", lang),
        "paper": view.paper or "",
    }
    html = {key: escape(value) for key, value in values.items()}
    html |= {
        "reasons_items": "".join(f"<li>{escape(reason)}</li>" for reason in view.reasons),
        "district_hidden": "" if view.district else " hidden",
        "paper_hidden": "" if view.paper else " hidden",
        "reasons_hidden": "" if view.reasons else " hidden",
        "details_hidden": "" if view.district or view.reasons else " hidden",
        "state": embed_json(_state(view, color, lang, now)),
    }
    return _code_template().render(html)


def render_error_page(message_key: str, lang: str, status_hint: str | None = None) -> str:
    """A friendly page for a bad or expired link: what happened and what to do next.

    ``message_key`` is a catalogue key (``page.link_expired``; a bare ``link_expired`` is read
    in ``page``); ``status_hint`` is a short reference shown small (an HTTP status or error code)
    so a resident can quote it to the hotline.
    """
    lang = _language(lang)
    key = message_key if "." in message_key else f"page.{message_key}"
    hint = ""
    if status_hint:
        hint = f'<p class="ref">{escape(t("page.error_code", lang, code=status_hint))}</p>'
    return _error_template().render(
        {
            "html_lang": HTML_LANG[lang],
            "title": escape(t("page.error_title", lang)),
            "message": escape(t(key, lang)),
            "hint": hint,
        }
    )


def embed_json(value: object) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, no ``<!--``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _language(lang: str) -> str:
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _check(view: CodePageView) -> None:
    if view.issued_at.tzinfo is None or view.expires_at.tzinfo is None:
        raise ValueError("issued_at and expires_at must be aware datetimes")
    if view.expires_at <= view.issued_at:
        raise ValueError("a token expires after it is issued")
    if not view.qr_data_url.startswith("data:image/"):
        raise ValueError("the QR must be a data:image/ URL: the page loads nothing else")


def _wall(moment: datetime) -> tuple[str, str]:
    local = moment.astimezone(TIMEZONE)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def _state(view: CodePageView, color: Color, lang: str, now: datetime) -> dict[str, object]:
    offset = view.issued_at.astimezone(TIMEZONE).utcoffset()
    return {
        "lang": lang,
        # The same shape as code.json, without the token (the <img> already shows it).
        "code": {
            "color": color.value,
            "color_text": t(f"page.color_{color}", lang),
            "name": view.name_masked,
            "reasons": list(view.reasons),
            "issued_at": view.issued_at.isoformat(),
            "expires_at": view.expires_at.isoformat(),
            "district": view.district,
        },
        "server_now": round(now.timestamp() * 1000),
        "utc_offset_min": round(offset.total_seconds() / 60) if offset else 0,
        "policy": {
            "fraction": POLICY.fraction,
            "margin_s": POLICY.margin_s,
            "min_interval_s": POLICY.min_interval_s,
            "retry_max_s": POLICY.retry_max_s,
        },
        "icons": {c.value: icon for c, icon in ICONS.items()},
        # the QR's ink as RGBA, for the QR the script draws after a refresh
        "ink": {c.value: [*bytes.fromhex(INK[c][1:]), 255] for c in Color},
        "theme": {c.value: background for c, (background, _) in PALETTE.items()},
        "texts": {
            # Raw, with {color} and {name}: the script fills them after a refresh.
            "qr_alt": t("page.qr_alt", lang),
            "expired": t("page.expired", lang),
            "retrying": t("page.retrying", lang),
            "changed": t("page.changed", lang),
            "link_expired": t("page.link_expired", lang),
            "colors": {
                c.value: {"word": t(f"page.color_{c}", lang), "advice": t(f"page.advice_{c}", lang)}
                for c in Color
            },
        },
    }


# ``${name}`` and nothing else is a placeholder, so the script's regular expressions may use "$".
# a phone's whole screen, to its rounded edges (the code page pads itself with the safe area)
PHONE_VIEWPORT = "width=device-width, initial-scale=1, viewport-fit=cover"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
_INLINE = re.compile(r"<(style|script)>(.*?)</\1>", re.DOTALL)

Renderer = Callable[[Mapping[str, str]], str]


@dataclass(frozen=True)
class _Template:
    render: Renderer
    csp: str  # pins the page's inline style and script; also sent as the response's header


def code_page_policy() -> str:
    """The code page's Content-Security-Policy (its meta tag says the same)."""
    return _code_template().csp


def error_page_policy() -> str:
    return _error_template().csp


def _compile(source: str, static: Mapping[str, str]) -> _Template:
    """Put in the shared ``${head}`` (head.html: the doctype to the title, the same on every
    page), fill ``static`` now, pin the inline blocks in a CSP, and split for fast rendering. A
    static value is text, never read for placeholders (the vendored QR library's own code
    holds ``${…}``)."""
    source = source.replace("${head}", _head(), 1)
    static = {"viewport": PHONE_VIEWPORT, **static}
    parts = _PLACEHOLDER.split(source)  # odd positions are placeholder names
    filled = "".join(
        part if i % 2 == 0 else static.get(part, "${" + part + "}") for i, part in enumerate(parts)
    )
    hashes: dict[str, list[str]] = {"style": [], "script": []}
    for kind, content in _INLINE.findall(filled):
        digest = base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()
        hashes[kind].append(f"'sha256-{digest}'")
    allowed = {kind: " ".join(found) or "'none'" for kind, found in hashes.items()}
    csp = (
        "default-src 'none'; img-src data:; connect-src 'self'; "
        f"style-src {allowed['style']}; script-src {allowed['script']}; "
        "base-uri 'none'; form-action 'none'"
    )
    fixed = {**static, "csp": csp}
    texts, names = [parts[0]], []  # texts[i] before names[i], texts[-1] last
    for name, text in zip(parts[1::2], parts[2::2], strict=True):
        if name in fixed:
            texts[-1] += fixed[name] + text
        else:
            names.append(name)
            texts.append(text)

    def render(values: Mapping[str, str]) -> str:
        out = [texts[0]]
        for name, text in zip(names, texts[1:], strict=True):
            out += (values[name], text)
        return "".join(out)

    return _Template(render, csp)


@cache
def _head() -> str:
    return files(__package__).joinpath("head.html").read_text(encoding="utf-8").rstrip("\n")


def compile_page(source: str, static: Mapping[str, str]) -> _Template:
    """Another page of the same kind (the paper code's sheet): its inline style pinned too."""
    return _compile(source, static)


def _palette_css() -> str:
    return "\n".join(
        f".c-{color} {{ --band: {background}; --on-band: {text}; }}"
        for color, (background, text) in PALETTE.items()
    )


@cache
def _code_template() -> _Template:
    source = files(__package__).joinpath("code_page.html").read_text(encoding="utf-8")
    lean_qr = files(__package__).joinpath("vendor", "lean-qr.js").read_text(encoding="utf-8")
    return _compile(source, {"palette_css": _palette_css(), "lean_qr": lean_qr.strip()})


_ERROR_PAGE = """${head}
<style>
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; color-scheme: light; }
body {
  margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
  padding: 24px 16px; box-sizing: border-box; background: #eef0f3; color: #1f2328;
  font: 18px/1.6 -apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "Noto Sans CJK SC", "Segoe UI", Roboto, sans-serif;
}
main {
  max-width: 26em; padding: 28px 22px; background: #fff; border-radius: 16px;
  box-shadow: 0 2px 12px rgba(0, 0, 0, .08); text-align: center;
}
.icon {
  display: inline-flex; align-items: center; justify-content: center; width: 56px;
  height: 56px; border: 3px solid #57606a; border-radius: 50%; color: #57606a;
  font-size: 32px; font-weight: 800;
}
h1 { margin: 14px 0 8px; font-size: 24px; }
p { margin: 0; }
.ref { margin-top: 14px; font-size: 15px; color: #57606a; }
</style>
</head>
<body>
<main>
<span class="icon" aria-hidden="true">!</span>
<h1>${title}</h1>
<p>${message}</p>
${hint}
</main>
</body>
</html>
"""


@cache
def _error_template() -> _Template:
    return _compile(_ERROR_PAGE, {})
