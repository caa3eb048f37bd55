"""The global words of the chat script (docs/architecture.md), in Chinese and English, and the
menu's CLICK keys."""

from __future__ import annotations

import unicodedata

APPLY, CODE, FAMILY, SWITCH, APPEAL = "apply", "code", "family", "switch", "appeal"
UNLINK, ERASE, TRANSFER = "unlink", "erase", "transfer"
PRINT = "print"  # a paper code (docs/paper-code.md)
CANCEL, HELP, ENGLISH, CHINESE = "cancel", "help", "english", "chinese"
BACK = "back"

_WORDS = {
    "申领": APPLY, "apply": APPLY,
    "亮码": CODE, "code": CODE,
    "代办": FAMILY, "family": FAMILY,
    "切换": SWITCH, "switch": SWITCH,
    "解除代办": UNLINK, "remove": UNLINK,
    "申诉": APPEAL, "appeal": APPEAL,
    "注销": ERASE, "delete my data": ERASE,
    "打印码": PRINT, "print code": PRINT,
    "交接码": TRANSFER, "handover": TRANSFER, "hand over": TRANSFER, "transfer code": TRANSFER,
    "取消": CANCEL, "cancel": CANCEL,
    "上一步": BACK, "返回上一步": BACK, "上一题": BACK, "back": BACK, "previous": BACK,
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


# the one command that may carry its answer in the same message: "交接码 K7Q2-M9XD"
_TRANSFER_PREFIXES = ("交接码", "handover", "hand over", "transfer code")


def transfer_code_in(text: str) -> str | None:
    """The code typed after 交接码 (or its English words) in the same message, if any."""
    folded = unicodedata.normalize("NFKC", text).strip()
    for prefix in _TRANSFER_PREFIXES:
        if not folded.casefold().startswith(prefix):
            continue
        rest = folded[len(prefix) :]
        # "交接码K7Q2M9XD" reads well in Chinese; an English word needs its space
        separated = rest[:1] in (" ", ":") or not prefix.isascii()
        code = rest.lstrip(" :")
        if code and separated:
            return code
    return None


def command_of_menu_key(key: str | None) -> str | None:
    return MENU_KEYS.get((key or "").strip().upper())
