"""The console's section of ID-card lookups today, one row per checkpoint worker
(docs/lookup.md). Every value is escaped here."""

from __future__ import annotations

from html import escape

from bot.resident_pages.code_page import TIMEZONE
from bot.services.checkpoint.lookup_stats import WorkerLookups
from bot.texts import t


def lookups_section(lookups: list[WorkerLookups], day: str, lang: str) -> str:
    title = escape(t("console.lookups_title", lang, day=day))
    if not lookups:
        empty = f'<p class="empty">{escape(t("console.lookups_empty", lang))}</p>'
        return f'<section class="card" id="lookups"><h2>{title}</h2>{empty}</section>'
    keys = ("worker", "lookups", "unknown", "malformed", "last_lookup")
    head = "".join(f'<th scope="col">{escape(t(f"console.col_{k}", lang))}</th>' for k in keys)
    rows = "".join(
        f'<tr><td>{escape(w.name)}</td><td class="n">{w.lookups}</td>'
        f'<td class="n">{w.unknown}</td><td class="n">{w.malformed}</td>'
        f"<td>{w.last_at.astimezone(TIMEZONE).strftime('%H:%M')}</td></tr>"
        for w in lookups
    )
    return f"""<section class="card" id="lookups"><h2>{title}</h2>
<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>"""
