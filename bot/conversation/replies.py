"""Replies that show a code: the colour always in words and with a sign, never colour alone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.services.codes.display import CodeView
from bot.texts import t

LOCAL = ZoneInfo("Asia/Shanghai")


def color_words(color: str, lang: str) -> str:
    return t(f"code.color_{color}", lang)


def local_time(moment: datetime) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def code_reply(view: CodeView, lang: str) -> str:
    lines = [t("code.header", lang, name=view.name_masked, color=color_words(view.color, lang))]
    lines += [f"· {reason}" for reason in view.reasons]
    if view.district and view.district_tier:
        tier = t(f"code.tier_{view.district_tier}", lang)
        lines.append(t("code.district", lang, district=view.district, tier=tier))
    lines.append(t("code.decided_at", lang, time=local_time(view.decided_at)))
    lines.append(t("code.link", lang, url=view.page_url))
    return "\n".join(lines)
