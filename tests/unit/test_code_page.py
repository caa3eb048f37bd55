"""The code page: the colour in words, escaped values, stable ids, nothing loaded from elsewhere.

Behaviour in a browser (refresh, retry, expiry, the running clock) is for the Chromium test; here
the HTML document itself is read back with the standard library's parser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from bot.health.colors import Color
from bot.health.qr import render_png
from bot.resident_pages import CodePageView, render_code_page, render_error_page
from bot.resident_pages.code_page import ICONS, PALETTE, PHONE_VIEWPORT, POLICY, embed_json
from bot.resident_pages.paper_page import PaperPageView, render_paper_page
from bot.texts import LANGUAGES, t

TOKEN = "HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC*M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA"
ISSUED = datetime(2020, 3, 7, 0, 15, 30, tzinfo=UTC)  # 08:15:30 in Tianjin
NOW = ISSUED + timedelta(seconds=42)
HOSTILE = '</script><script>alert("x")</script><!--&'
IDS = ("qr", "color-text", "issued-at", "clock", "name", "reasons", "status")


def qr_url(color: Color = Color.GREEN) -> str:
    return "data:image/png;base64," + base64.b64encode(render_png(TOKEN, color)).decode()


VIEW = CodePageView(
    ticket="AQAAAAB0aWNrZXQ",
    color="green",
    name_masked="张*三",
    reasons=("3月1日从武汉返津", "与确诊病例密切接触"),
    issued_at=ISSUED,
    expires_at=ISSUED + timedelta(seconds=120),
    qr_data_url=qr_url(),
    district="和平区 · 中风险",
)


class Page(HTMLParser):
    """Elements by id (tag, attributes, text inside), every tag, and inline blocks."""

    VOID = frozenset({"meta", "img", "br", "link", "input"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, tuple[str, dict[str, str | None], list[str]]] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.blocks: list[tuple[str, dict[str, str | None], str]] = []
        self.duplicate_ids: list[str] = []
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        ident = attributes.get("id")
        if ident is not None:
            if ident in self.by_id:
                self.duplicate_ids.append(ident)
            self.by_id[ident] = (tag, attributes, [])
        if tag not in self.VOID:
            self._open.append((tag, ident))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, ident in self._open:
            if ident is not None:
                self.by_id[ident][2].append(data)
        if self._open and self._open[-1][0] in ("script", "style"):
            tag = self._open[-1][0]
            self.blocks.append((tag, dict(self.tags_of(tag)[-1]), data))

    def tags_of(self, tag: str) -> list[dict[str, str | None]]:
        return [attributes for name, attributes in self.tags if name == tag]

    def text(self, ident: str) -> str:
        return "".join(self.by_id[ident][2]).strip()

    def attr(self, ident: str, name: str) -> str | None:
        return self.by_id[ident][1].get(name)


def render(view: CodePageView = VIEW, lang: str = "zh") -> str:
    return render_code_page(view, lang, now=NOW)


def state_of(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="state">(.*?)</script>', html, re.S)
    assert match is not None
    return json.loads(match[1])


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("color", list(Color))
def test_colour_is_said_in_words_and_with_a_symbol(color: Color, lang: str) -> None:
    page = Page(render(replace(VIEW, color=color.value, qr_data_url=qr_url(color)), lang))
    word = t(f"page.color_{color}", lang)
    assert page.text("color-text") == word
    assert page.text("color-icon") == ICONS[color]
    assert page.attr("color-icon", "aria-hidden") == "true"  # the word is what is read aloud
    assert f"c-{color}" in (page.tags_of("body")[0]["class"] or "")
    assert word in (page.attr("qr", "alt") or "")
    assert page.text("advice") == t(f"page.advice_{color}", lang)


def test_the_words_differ_by_language() -> None:
    assert "绿码" in render(lang="zh")
    assert "Green code" in render(lang="en")
    assert Page(render(lang="zh")).tags_of("html")[0]["lang"] == "zh-CN"
    assert Page(render(lang="en")).tags_of("html")[0]["lang"] == "en"


def test_an_unknown_language_falls_back_to_chinese() -> None:
    assert Page(render(lang="fr")).tags_of("html")[0]["lang"] == "zh-CN"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_stable_ids_are_there_once(lang: str) -> None:
    page = Page(render(lang=lang))
    assert not page.duplicate_ids
    for ident in IDS:
        assert ident in page.by_id, ident
    assert page.by_id["qr"][0] == "img"
    assert page.attr("qr", "src") == VIEW.qr_data_url
    assert page.attr("status", "aria-live") == "polite"


def test_what_the_page_shows() -> None:
    page = Page(render())
    assert page.text("name") == "张*三"
    assert page.text("issued-at") == "2020-03-07 08:15:30"  # Asia/Shanghai, not UTC
    assert page.attr("issued-at", "datetime") == ISSUED.isoformat()
    assert page.text("clock") == "08:16:12"
    assert page.text("clock-date") == "2020-03-07"
    assert page.text("district") == "和平区 · 中风险"
    items = re.findall(r"<li>(.*?)</li>", render())
    assert items == list(VIEW.reasons)
    assert t("page.hint", "zh") in render()
    assert t("page.hint", "en") in render(lang="en")
    assert page.attr("life", "aria-valuemax") == "120"
    assert page.attr("life", "aria-valuenow") == "78"


def test_no_district_and_no_reasons_hide_the_details() -> None:
    page = Page(render(replace(VIEW, district=None, reasons=())))
    assert "hidden" in page.by_id["details"][1]
    assert "hidden" in page.by_id["district-row"][1]
    assert "hidden" in page.by_id["reasons-title"][1]
    assert page.text("reasons") == ""


@pytest.mark.parametrize("field", ["name_masked", "district"])
def test_dynamic_values_are_escaped(field: str) -> None:
    html = render(replace(VIEW, **{field: HOSTILE}, reasons=(HOSTILE,)))
    assert HOSTILE not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)" in html
    # Only the page's own two scripts open, and nothing closes a script early.
    assert html.count("<script") == 2
    assert html.count("</script>") == 2
    page = Page(html)
    assert page.text("name" if field == "name_masked" else "district") == HOSTILE
    assert page.text("reasons") == HOSTILE


def test_the_initial_state_parses_back() -> None:
    view = replace(VIEW, name_masked=HOSTILE, reasons=(HOSTILE, "咳嗽"))
    state = state_of(render(view))
    assert state["code"] == {
        "color": "green",
        "color_text": "绿码",
        "name": HOSTILE,
        "reasons": [HOSTILE, "咳嗽"],
        "issued_at": ISSUED.isoformat(),
        "expires_at": (ISSUED + timedelta(seconds=120)).isoformat(),
        "district": "和平区 · 中风险",
    }
    assert state["server_now"] == round(NOW.timestamp() * 1000)
    assert state["utc_offset_min"] == 480
    assert state["policy"] == {
        "fraction": 0.2,
        "margin_s": 10,
        "min_interval_s": 5,
        "retry_max_s": 30,
    }
    assert POLICY.margin_s < 120 * POLICY.fraction  # the default 120 s life refreshes at 24 s left
    assert set(state["texts"]["colors"]) == {c.value for c in Color}
    assert state["texts"]["qr_alt"] == t("page.qr_alt", "zh")  # raw: the script fills it in
    assert state["texts"]["retrying"] == t("page.retrying", "zh")
    assert state["texts"]["expired"] == t("page.expired", "zh")


def test_embedded_json_cannot_end_its_script() -> None:
    text = embed_json({"a": HOSTILE})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": HOSTILE}


def test_nothing_is_loaded_from_elsewhere() -> None:
    html = render()
    assert not re.search(r"https?:", html), "no URL to another site anywhere"
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    page = Page(html)
    for tag, attributes in page.tags:
        assert "src" not in attributes or (attributes["src"] or "").startswith("data:image/"), tag
        assert not any(name.startswith("on") for name in attributes), f"inline handler on {tag}"


def test_every_resident_page_has_the_one_head() -> None:
    """The code page, its error page and the paper sheet share head.html: the same meta tags
    once each (and the policy of each page in its own meta tag), the viewport the page asks."""
    lang = "en"
    sheet = render_paper_page(PaperPageView("张*", ISSUED, qr_url()), lang)
    pages = [
        (render(lang=lang), PHONE_VIEWPORT),
        (render_error_page("page.expired", lang), PHONE_VIEWPORT),
        (sheet, "width=device-width, initial-scale=1"),
    ]
    for html, viewport in pages:
        assert html.startswith('<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">')
        metas = Page(html).tags_of("meta")
        assert {"name": "viewport", "content": viewport} in metas
        assert {"name": "referrer", "content": "no-referrer"} in metas
        assert {"name": "robots", "content": "noindex, nofollow"} in metas
        assert sum(1 for meta in metas if meta.get("http-equiv") == "Content-Security-Policy") == 1
        assert html.count("<title>") == 1 and html.count("<head>") == 1


def test_the_content_security_policy_allows_exactly_the_inline_blocks() -> None:
    page = Page(render())
    policy = next(
        attributes["content"] or ""
        for attributes in page.tags_of("meta")
        if attributes.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in policy and "img-src data:" in policy
    executable = [(tag, body) for tag, attributes, body in page.blocks if "type" not in attributes]
    assert [tag for tag, _ in executable] == ["style", "script"]
    for tag, body in executable:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy, f"the inline {tag} changed without its hash"


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("color", list(Color))
def test_band_text_has_enough_contrast(color: Color) -> None:
    background, text = PALETTE[color]
    light, dark = sorted((_luminance(background), _luminance(text)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5


@pytest.mark.parametrize(
    "change",
    [
        {"color": "blue"},
        {"issued_at": ISSUED.replace(tzinfo=None)},
        {"expires_at": ISSUED},
        {"qr_data_url": "https://example.com/qr.png"},
    ],
)
def test_a_view_that_would_make_the_page_lie_is_refused(change: dict) -> None:
    with pytest.raises(ValueError):
        render(replace(VIEW, **change))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", ["link_invalid", "link_expired"])
def test_the_error_page_says_what_to_do(key: str, lang: str) -> None:
    html = render_error_page(key, lang)
    page = Page(html)
    assert page.tags_of("html")[0]["lang"] == ("zh-CN" if lang == "zh" else "en")
    assert t(f"page.{key}", lang) in html
    assert t("page.error_title", lang) in html
    assert render_error_page(f"page.{key}", lang) == html
    assert not re.search(r"https?:", html) and "<script" not in html
    assert "错误代码" not in html and "Error code" not in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_error_page_shows_an_escaped_status_hint(lang: str) -> None:
    html = render_error_page("link_expired", lang, status_hint="<b>410</b>")
    assert t("page.error_code", lang, code="&lt;b&gt;410&lt;/b&gt;") in html
    assert "<b>" not in html
