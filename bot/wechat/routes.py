"""Which WeChat API carries a notice (docs/notices.md), decided from the notice and its account.

- mini-program accounts: a subscribe message, the only push a mini-program has;
- official-account accounts: a template message when a template id is configured for the kind,
  a customer-service message otherwise. Customer-service messages reach a person only within
  48 hours after they last wrote (WeChat answers 45015 after that): outside the window, with
  no template, the notice ends at once instead of spending a call on a certain refusal;
- mass sends: the mass-send API, to the batch of openids the row names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.services.notices.kinds import NoticeKind
from bot.services.residents.accounts import Channel
from bot.settings import Settings

# The APIs, each with its own quota (and rate limit).
CUSTOM, TEMPLATE, SUBSCRIBE, UPLOAD, MASS = "custom", "template", "subscribe", "upload", "mass"
SERVICE_WINDOW = timedelta(hours=48)
ACCOUNT_KINDS = (
    NoticeKind.CODE_IMAGE,
    NoticeKind.TEXT,
    NoticeKind.CODE_CHANGED,
    NoticeKind.REMINDER,
    NoticeKind.APPEAL_REPLY,
    NoticeKind.FAMILY_CHANGED,
)


@dataclass(frozen=True)
class Route:
    via: str  # CUSTOM, TEMPLATE, SUBSCRIBE or MASS: how the message itself is sent
    apis: tuple[str, ...]  # every API the delivery calls, in order
    template_id: str | None = None


class Unroutable(Exception):
    """No API can carry this notice to this account; the reason ends the row."""


def route(
    kind: str,
    channel: str | None,
    last_message_at: datetime | None,
    now: datetime,
    settings: Settings,
) -> Route:
    if kind == NoticeKind.MASS_TEXT:
        return Route(MASS, (MASS,))
    if channel == Channel.MINIAPP:
        return _miniapp_route(kind, settings)
    template = _template_for(kind, settings)
    if template is not None:
        return Route(TEMPLATE, (TEMPLATE,), template)
    if kind not in ACCOUNT_KINDS:
        raise Unroutable(f"unknown notice kind {kind}")
    if last_message_at is not None and now - last_message_at > SERVICE_WINDOW:
        raise Unroutable(
            "45015: the person last wrote more than 48 hours ago and no template is configured"
        )
    if kind == NoticeKind.CODE_IMAGE:
        return Route(CUSTOM, (UPLOAD, CUSTOM))
    return Route(CUSTOM, (CUSTOM,))


def _template_for(kind: str, settings: Settings) -> str | None:
    if kind == NoticeKind.CODE_CHANGED:
        return settings.template_code_changed
    if kind == NoticeKind.REMINDER:
        return settings.schedules.template_reminder
    if kind == NoticeKind.APPEAL_REPLY:
        return settings.template_appeal_reply
    if kind == NoticeKind.FAMILY_CHANGED:
        return settings.template_family_changed
    return None


def _miniapp_route(kind: str, settings: Settings) -> Route:
    templates: dict[str, tuple[str | None, str]] = {
        NoticeKind.CODE_CHANGED: (
            settings.miniapp_template_code_changed,
            "MINIAPP_TEMPLATE_CODE_CHANGED",
        ),
        NoticeKind.REMINDER: (
            settings.schedules.miniapp_template_reminder,
            "MINIAPP_TEMPLATE_REMINDER",
        ),
        NoticeKind.APPEAL_REPLY: (
            settings.miniapp_template_appeal_reply,
            "MINIAPP_TEMPLATE_APPEAL_REPLY",
        ),
        NoticeKind.FAMILY_CHANGED: (
            settings.miniapp_template_family_changed,
            "MINIAPP_TEMPLATE_FAMILY_CHANGED",
        ),
    }
    if kind not in templates:
        raise Unroutable(f"a mini-program account receives subscribe messages only, not {kind}")
    template, variable = templates[kind]
    if not template:
        raise Unroutable(f"no subscribe-message template is configured ({variable})")
    return Route(SUBSCRIBE, (SUBSCRIBE,), template)


def kinds_through(api: str, settings: Settings) -> dict[str | None, tuple[str, ...]]:
    """Per account channel (None: rows without an account, the mass sends), the kinds of
    notice whose delivery calls ``api``: read off ``route`` itself, so the two cannot drift."""
    now = datetime.now(UTC)
    found: dict[str | None, tuple[str, ...]] = {}
    if api in route(NoticeKind.MASS_TEXT, None, None, now, settings).apis:
        found[None] = (NoticeKind.MASS_TEXT,)
    for channel in (Channel.OFFICIAL_ACCOUNT, Channel.MINIAPP):
        kinds = tuple(kind for kind in ACCOUNT_KINDS if api in _apis(kind, channel, now, settings))
        if kinds:
            found[channel] = kinds
    return found


def _apis(kind: str, channel: str, now: datetime, settings: Settings) -> tuple[str, ...]:
    try:
        return route(kind, channel, now, now, settings).apis
    except Unroutable:
        return ()


def reminder_reach(settings: Settings) -> Callable[[str, datetime | None, datetime], bool]:
    """Whether a reminder can reach an account (``bot.services.housekeeping.reminders``):
    read off ``route``, so the reminders queued are the ones the sender can deliver."""

    def reachable(channel: str, last_message_at: datetime | None, now: datetime) -> bool:
        try:
            route(NoticeKind.REMINDER, channel, last_message_at, now, settings)
        except Unroutable:
            return False
        return True

    return reachable
