"""The console's section of residents' questions the FAQ did not answer, counted."""

from __future__ import annotations

from html import escape

from bot.resident_pages.code_page import TIMEZONE
from bot.services.faq.questions import AskedCount
from bot.texts import t


def unanswered_section(asked: list[AskedCount], total: int, lang: str) -> str:
    title = escape(t("console.questions_title", lang, n=total))
    if not asked:
        empty = escape(t("console.questions_empty", lang))
        return (
            f'<section class="card" id="questions"><h2>{title}</h2>'
            f'<p class="empty">{empty}</p></section>'
        )
    keys = ("question", "times", "last_asked")
    head = "".join(f'<th scope="col">{escape(t(f"console.col_{k}", lang))}</th>' for k in keys)
    rows = "".join(
        f'<tr><td>{escape(a.text)}</td><td class="n">{a.count}</td>'
        f"<td>{a.last_asked.astimezone(TIMEZONE).strftime('%Y-%m-%d %H:%M')}</td></tr>"
        for a in asked
    )
    hint = escape(t("console.questions_hint", lang))
    return f"""<section class="card" id="questions"><h2>{title}</h2>
<p class="hint">{hint}</p>
<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></section>"""
