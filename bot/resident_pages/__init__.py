"""HTML pages a resident opens in a browser: the code page and its error page
(docs/architecture.md)."""

from bot.resident_pages.code_page import (
    CodePageView,
    code_page_policy,
    error_page_policy,
    render_code_page,
    render_error_page,
)

__all__ = [
    "CodePageView",
    "code_page_policy",
    "error_page_policy",
    "render_code_page",
    "render_error_page",
]
