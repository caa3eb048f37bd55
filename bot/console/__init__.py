"""The officials' console: server-rendered pages, a sealed session cookie, CSRF-safe forms and
no script (docs/architecture.md; the JSON API under ``/api/admin`` does the same work for
programs)."""

from bot.console.dashboard import (
    DashboardView,
    render_dashboard,
    render_login,
    render_unavailable,
    url,
)
from bot.console.layout import HEADERS
from bot.console.session import (
    Session,
    cookie_value,
    csrf_ok,
    csrf_token,
    new_session,
    read_cookie,
)

__all__ = [
    "HEADERS",
    "DashboardView",
    "Session",
    "cookie_value",
    "csrf_ok",
    "csrf_token",
    "new_session",
    "read_cookie",
    "render_dashboard",
    "render_login",
    "render_unavailable",
    "url",
]
