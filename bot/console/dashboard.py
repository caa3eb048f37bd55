"""The console's two pages: the sign-in form and the dashboard (districts and their tiers, the
colour chart, open appeals to answer, recent feed imports). Every value is escaped here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape

from bot.console.chart import colour_chart
from bot.console.layout import document
from bot.console.lookups import lookups_section
from bot.console.questions import unanswered_section
from bot.health.colors import Color
from bot.health.risk_tiers import TIERS
from bot.resident_pages.code_page import ICONS, TIMEZONE
from bot.services.appeals.answers import MAX_REPLY_LENGTH
from bot.services.appeals.queue import AppealSummary
from bot.services.checkpoint.lookup_stats import WorkerLookups
from bot.services.faq.questions import AskedCount
from bot.services.officials.stats import DistrictCodes, FeedImportView, Stats
from bot.texts import t


def _t(key: str, lang: str, **params: object) -> str:
    """A console sentence, escaped for HTML."""
    return escape(t(f"console.{key}", lang, **params))


def url(path: str, lang: str) -> str:
    return f"{path}?lang=en" if lang == "en" else path


def _csrf(token: str) -> str:
    return f'<input type="hidden" name="csrf" value="{escape(token)}">'


def _flash(notice: str | None, error: str | None) -> str:
    out = ""
    if notice:
        out += f'<p class="flash ok" role="status">{escape(notice)}</p>'
    if error:
        out += f'<p class="flash error" role="alert">{escape(error)}</p>'
    return out


def _when(moment: datetime | None) -> str:
    return moment.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _colour(color: str | None, lang: str) -> str:
    if color is None:
        return _t("no_code", lang)
    c = Color(color)
    word = escape(f"{ICONS[c]} {t(f'page.color_{c}', lang)}")
    return f'<span class="badge c-{c}">{word}</span>'


# --- sign-in --------------------------------------------------------------------------------


def render_login(lang: str, csrf: str, error: str | None = None) -> str:
    other = "zh" if lang == "en" else "en"
    body = f"""<main class="login"><section class="card">
<h2>{_t("login_title", lang)}</h2>
{_flash(None, error)}
<form method="post" action="{url("/console/login", lang)}">
{_csrf(csrf)}
<label for="token">{_t("token_label", lang)}</label>
<input type="password" id="token" name="token" autocomplete="off" required maxlength="200">
<button type="submit">{_t("login_button", lang)}</button>
</form>
<p class="hint">{_t("login_hint", lang)}</p>
<p class="hint"><a href="{url("/console/login", other)}">
{_t("other_language", lang)}</a></p>
</section></main>"""
    return document(lang, t("console.title", lang), body)


def render_unavailable(lang: str) -> str:
    """What an official sees when a request failed unexpectedly: that nothing is shown of it,
    and the way back (whatever the form did was one unit of work, so it either happened or not;
    the dashboard tells which)."""
    body = f"""<main class="login"><section class="card">
<h2>{_t("title", lang)}</h2>
{_flash(None, t("console.unavailable", lang))}
<p class="hint"><a href="{url("/console", lang)}">{_t("back_to_dashboard", lang)}</a></p>
</section></main>"""
    return document(lang, t("console.title", lang), body)


# --- the dashboard --------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardView:
    lang: str
    staff_name: str
    csrf: str
    stats: Stats
    appeals: list[AppealSummary]
    imports: list[FeedImportView]
    until_range: tuple[date, date]  # the dates an override may end on
    notice: str | None = None
    error: str | None = None
    # residents' questions the FAQ did not answer: the most asked, and how many kept in all
    questions: tuple[AskedCount, ...] = ()
    questions_kept: int = 0
    lookups: list[WorkerLookups] = field(default_factory=list)  # ID-card lookups today


def render_dashboard(view: DashboardView) -> str:
    lang = view.lang
    body = "".join(
        [
            _top(view),
            "<main>",
            _flash(view.notice, view.error),
            _tiles(view.stats, lang),
            _chart(view.stats, lang),
            _appeals(view),
            _districts(view),
            _imports(view.imports, lang),
            unanswered_section(list(view.questions), view.questions_kept, lang),
            lookups_section(view.lookups, view.stats.day.isoformat(), lang),
            "</main>",
        ]
    )
    return document(lang, t("console.title", lang), body)


def _top(view: DashboardView) -> str:
    lang, other = view.lang, "zh" if view.lang == "en" else "en"
    who = escape(t("console.signed_in_as", lang, name=view.staff_name))
    return f"""<header class="top"><h1>{_t("title", lang)}</h1>
<span class="who">{who}</span>
<a href="{url("/console", other)}">{_t("other_language", lang)}</a>
<form method="post" action="{url("/console/logout", lang)}">{_csrf(view.csrf)}
<button type="submit" class="quiet">{_t("logout", lang)}</button></form>
</header>"""


def _tile(key: str, value: int, css: str = "") -> str:
    return (
        f'<div class="tile {css}"><span class="k">{escape(key)}</span>'
        f'<span class="v">{value}</span></div>'
    )


def _tiles(s: Stats, lang: str) -> str:
    tiles = [_tile(t("console.total_codes", lang), s.codes)]
    for c in Color:
        word = f"{ICONS[c]} {t(f'page.color_{c}', lang)}"
        tiles.append(_tile(word, s.by_color[c.value], f"c-{c}"))
    tiles.append(_tile(t("console.open_appeals", lang), s.appeals_open))
    tiles.append(_tile(t("console.scans_today", lang, day=s.day.isoformat()), s.scans_today))
    return f'<section class="card"><div class="tiles">{"".join(tiles)}</div></section>'


def _chart(s: Stats, lang: str) -> str:
    title = _t("chart_title", lang)
    return f'<section class="card"><h2>{title}</h2>{colour_chart(s.districts, lang)}</section>'


def _districts(view: DashboardView) -> str:
    lang = view.lang
    heads = [
        t("console.col_district", lang),
        t("console.col_tier", lang),
        t("console.col_changed", lang),
        *(f"{ICONS[c]} {t(f'page.color_{c}', lang)}" for c in Color),
        t("console.col_total", lang),
        t("console.col_change_tier", lang),
    ]
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in heads)
    rows = "".join(_district_row(d, view) for d in view.stats.districts if d.adcode is not None)
    title = _t("districts_title", lang)
    return f"""<section class="card" id="districts"><h2>{title}</h2>
<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>"""


def _district_row(d: DistrictCodes, view: DashboardView) -> str:
    lang = view.lang
    name = (d.name_en if lang == "en" else d.name) or str(d.adcode)
    tier = d.tier or "low"
    options = "".join(
        f'<option value="{x}"{" selected" if x == tier else ""}>'
        f"{escape(t(f'code.tier_{x}', lang))}</option>"
        for x in TIERS
    )
    counts = "".join(f'<td class="n">{d.colors[c.value]}</td>' for c in Color)
    label = escape(t("console.tier_for", lang, district=name))
    note = _t("note_placeholder", lang)
    action = url(f"/console/districts/{d.adcode}/tier", lang)
    form = f"""<form class="inline" method="post" action="{action}">
{_csrf(view.csrf)}<select name="tier" aria-label="{label}">{options}</select>
<input type="text" name="note" maxlength="200" placeholder="{note}" aria-label="{note}">
<button type="submit">{_t("publish", lang)}</button></form>"""
    return (
        f'<tr><th scope="row">{escape(name)}</th>'
        f'<td class="tier tier-{escape(tier)}">{escape(t(f"code.tier_{tier}", lang))}</td>'
        f"<td>{_when(d.tier_changed_at)}</td>{counts}"
        f'<td class="n">{d.total}</td><td>{form}</td></tr>'
    )


def _appeals(view: DashboardView) -> str:
    lang = view.lang
    title = escape(t("console.appeals_title", lang, n=view.stats.appeals_open))
    if not view.appeals:
        items = f'<p class="empty">{_t("appeals_empty", lang)}</p>'
    else:
        items = "".join(_appeal(a, view) for a in view.appeals)
    return f'<section class="card" id="appeals"><h2>{title}</h2>{items}</section>'


def _appeal(a: AppealSummary, view: DashboardView) -> str:
    lang = view.lang
    first, last = view.until_range
    colours = "".join(
        f'<option value="{c}">{escape(t(f"page.color_{c}", lang))}</option>' for c in Color
    )
    meta = t(
        "console.appeal_meta",
        lang,
        document=a.document_masked,
        district=a.district_name or "—",
        filed=_when(a.created_at),
    )
    family = f" · {_t('filed_for_family', lang)}" if a.filed_for_family else ""
    return f"""<article class="appeal" id="appeal-{a.id}">
<h3>{_t("appeal_heading", lang, id=a.id, name=a.name_masked)} {_colour(a.color, lang)}</h3>
<p class="meta">{escape(meta)}{family}</p>
{_reasons(a.reasons)}<p class="said">{escape(a.text)}</p>
<form method="post" action="{url(f"/console/appeals/{a.id}/resolve", lang)}">
{_csrf(view.csrf)}
<label class="sr" for="reply-{a.id}">{_t("reply_label", lang)}</label>
<textarea id="reply-{a.id}" name="reply" required maxlength="{MAX_REPLY_LENGTH}"
 placeholder="{_t("reply_label", lang)}"></textarea>
<div class="fields">
<label>{_t("color_label", lang)}
<select name="color"><option value="">{_t("color_none", lang)}</option>
{colours}</select></label>
<label>{_t("until_label", lang)}
<input type="date" name="until" min="{first.isoformat()}" max="{last.isoformat()}"></label>
</div>
<div class="buttons">
<button type="submit" name="decision" value="accept" class="accept">
{_t("accept", lang)}</button>
<button type="submit" name="decision" value="reject" class="reject">
{_t("reject", lang)}</button>
</div>
</form>
</article>"""


def _reasons(reasons: tuple[str, ...]) -> str:
    if not reasons:
        return ""
    items = "".join(f"<li>{escape(r)}</li>" for r in reasons)
    return f'<ul class="reasons">{items}</ul>'


def _imports(imports: list[FeedImportView], lang: str) -> str:
    title = _t("imports_title", lang)
    if not imports:
        empty = f'<p class="empty">{_t("imports_empty", lang)}</p>'
        return f'<section class="card" id="imports"><h2>{title}</h2>{empty}</section>'
    keys = ("time", "source", "staff", "received", "created", "updated", "matched", "rejected")
    head = "".join(f'<th scope="col">{escape(t(f"console.col_{k}", lang))}</th>' for k in keys)
    rows = "".join(
        f"<tr><td>{_when(i.created_at)}</td><td>{escape(i.source)}</td>"
        f'<td>{escape(i.staff or "—")}</td><td class="n">{i.received}</td>'
        f'<td class="n">{i.created}</td><td class="n">{i.updated}</td>'
        f'<td class="n">{i.matched}</td><td class="n">{i.rejected}</td></tr>'
        for i in imports
    )
    return f"""<section class="card" id="imports"><h2>{title}</h2>
<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>"""
