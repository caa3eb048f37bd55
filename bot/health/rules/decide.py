"""Deciding: which rules match, the winning colour, the reasons shown and their end dates.

Overrides: an official's override sets the colour while it lasts, above and below the rules'
colour, with one exception: it cannot lower red. Red comes only from the health authority's
records or the person's own declaration, and is corrected at its source (a ``cleared`` record,
a new declaration), never hidden by a manual change that would outlive new evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.health.colors import Color
from bot.health.rules.conditions import _ALWAYS, _CHECKS, _Clock, _Hit
from bot.health.rules.decision import Decision, Reason
from bot.health.rules.facts import Facts
from bot.health.rules.ruleset import Rule, Ruleset


def _match(rule: Rule, facts: Facts, clock: _Clock, ruleset: Ruleset) -> _Hit | None:
    combined = _ALWAYS
    for check in _CHECKS:
        hit = check(rule.when, facts, clock, ruleset)
        if hit is None:
            return None
        combined = _combine(combined, hit)
    return combined


def _combine(a: _Hit, b: _Hit) -> _Hit:
    ends = [end for end in (a.until, b.until) if end is not None]
    return _Hit(
        until=min(ends, default=None),
        place=a.place or b.place,
        district=a.district or b.district,
        override=a.override or b.override,
    )


@dataclass(frozen=True)
class _Matched:
    rule: Rule
    hit: _Hit

    @property
    def color(self) -> Color:
        if self.hit.override is not None:
            return self.hit.override.color
        assert self.rule.color is not None  # guaranteed by load_ruleset
        return self.rule.color


def decide(facts: Facts, now: datetime, ruleset: Ruleset) -> Decision:
    """The colour for ``facts`` at ``now``, its reasons, and until when it holds unchanged."""
    if now.tzinfo is None:
        raise ValueError("decide() needs a timezone-aware now")
    clock = _Clock(now, ruleset.tz)
    matched = [
        _Matched(rule, hit)
        for rule in ruleset.rules
        if (hit := _match(rule, facts, clock, ruleset)) is not None
    ]
    if not matched:
        return Decision(Color.GREEN, (ruleset.fallback,), None, ruleset.version)
    color = _winner(matched)
    shown = _shown(matched, color)
    ends = [m.hit.until for m in shown if m.hit.until is not None]
    reasons = tuple(_reason(m, clock) for m in shown)
    return Decision(color, reasons, min(ends, default=None), ruleset.version)


def _winner(matched: list[_Matched]) -> Color:
    evidence = Color.worst(Color.GREEN, *(m.color for m in matched if m.hit.override is None))
    overrides = [m.color for m in matched if m.hit.override is not None]
    if not overrides or evidence is Color.RED:
        return evidence  # an override cannot lower red (see the module's docstring)
    return overrides[0]


def _shown(matched: list[_Matched], winner: Color) -> list[_Matched]:
    """Reasons of the winning colour first, then milder ones except green.

    Each reason tells the person what to do, so none may contradict the colour: green reasons
    say "you may go out" and never sit on an orange or red code, and the reasons an override
    set aside ("observe at home") are not shown beside it.
    """
    milder = [m for m in matched if Color.GREEN.severity < m.color.severity < winner.severity]
    return [m for m in matched if m.color is winner] + milder


def _reason(m: _Matched, clock: _Clock) -> Reason:
    until = _format_until(m.hit.until, clock.tz)
    fills = {
        lang: {
            "place": getattr(m.hit.place, lang, ""),
            "district": getattr(m.hit.district, lang, ""),
            "until": until[lang],
            "reason": getattr(m.hit.override, f"reason_{lang}", ""),
        }
        for lang in ("zh", "en")
    }
    return Reason(
        m.rule.id, m.rule.reason_zh.format(**fills["zh"]), m.rule.reason_en.format(**fills["en"])
    )


def _format_until(until: datetime | None, tz: ZoneInfo) -> dict[str, str]:
    """The last day something applies ("2020-03-15"), or the exact minute if it ends mid-day."""
    if until is None:
        return {"zh": "另行通知", "en": "further notice"}
    local = until.astimezone(tz)
    if local.time() != time():
        minute = local.strftime("%Y-%m-%d %H:%M")
        return {"zh": minute, "en": minute}
    last_day = (local.date() - timedelta(days=1)).isoformat()
    # "至2020-03-15" reads as inclusive in Chinese; "until 2020-03-15" in English does not.
    return {"zh": last_day, "en": f"the end of {last_day}"}
