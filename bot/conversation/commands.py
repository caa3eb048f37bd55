"""The global words of DESIGN.md §4, in Chinese and English, and the menu's CLICK keys."""

from __future__ import annotations

import unicodedata

APPLY, CODE, FAMILY, SWITCH, APPEAL = "apply", "code", "family", "switch", "appeal"
UNLINK, ERASE = "unlink", "erase"
CANCEL, HELP, ENGLISH, CHINESE = "cancel", "help", "english", "chinese"

_WORDS = {
    "申领": APPLY, "apply": APPLY,
    "亮码": CODE, "code": CODE,
    "代办": FAMILY, "family": FAMILY,
    "切换": SWITCH, "switch": SWITCH,
    "解除代办": UNLINK, "remove": UNLINK,
    "申诉": APPEAL, "appeal": APPEAL,
    "注销": ERASE, "delete my data": ERASE,
    "取消": CANCEL, "cancel": CANCEL,
    "帮助": HELP, "help": HELP, "菜单": HELP, "menu": HELP, "?": HELP,
    "english": ENGLISH,
    "中文": CHINESE, "chinese": CHINESE,
}  # fmt: skip

MENU_KEYS = {
    "APPLY": APPLY,
    "SHOW_CODE": CODE,
    "FAMILY": FAMILY,
    "SWITCH": SWITCH,
    "APPEAL": APPEAL,
}


def command_of(text: str) -> str | None:
    """The command a message is, whatever its width, case or surrounding space."""
    return _WORDS.get(unicodedata.normalize("NFKC", text).strip().casefold())


def command_of_menu_key(key: str | None) -> str | None:
    return MENU_KEYS.get((key or "").strip().upper())
