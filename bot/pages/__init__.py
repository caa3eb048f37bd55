"""HTML pages a resident opens in a browser: the code page and its error page (DESIGN.md §6, §9)."""

from bot.pages.code_page import CodePageView, render_code_page, render_error_page

__all__ = ["CodePageView", "render_code_page", "render_error_page"]
