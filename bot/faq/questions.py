"""Whether a text reads as a question: inside a dialogue, a text the step cannot take is
answered from the FAQ only when it asks something ("截图能用吗"), not when it is a wrong
answer ("张"), so a mistyped answer is still explained as one."""

from __future__ import annotations

import re

from bot.faq.words import normalised

_ZH_ASKING = re.compile(
    r"[吗呢么嘛]$|怎么|怎样|咋|如何|能不能|可不可以|可以.*吗|是不是|会不会|有没有|要不要|需不需要"
    r"|什么|啥|哪|为什么|为啥|几|多少|谁"
)
_EN_ASKING = re.compile(
    r"^(what|how|can|could|why|when|where|who|which|is|are|am|do|does|did|will|would|should"
    r"|may|must|shall)\b"
)


def reads_as_question(text: str) -> bool:
    folded = normalised(text).rstrip("。.!！~～ ")
    if not folded:
        return False
    if folded.endswith("?") or "?" in folded[:-1]:  # NFKC made "？" an ASCII "?"
        return True
    return bool(_ZH_ASKING.search(folded) or _EN_ASKING.search(folded))
