"""Free text answered from the region's FAQ: outside a dialogue every text that is not a
command is taken as a question; inside one, only a text the step could not take and that
reads as a question, so a wrong answer is still explained as one."""

from __future__ import annotations

from bot.conversation.turn import Turn
from bot.faq.questions import reads_as_question
from bot.services.faq import answers as faq

CHANNEL = "wechat"


async def answer_free_text(turn: Turn, text: str) -> str:
    """The answer with its source, or the fallback that gives the hotline and 帮助."""
    answered = await faq.answer_question(turn.rt, text, turn.lang, CHANNEL)
    return faq.reply_text(turn.rt, answered)


async def answer_within_step(turn: Turn, text: str) -> str | None:
    """The answer to a question asked in the middle of a dialogue; None when the text is no
    question or the FAQ has no answer (the step then explains what it expects)."""
    if not reads_as_question(text):
        return None
    answered = await faq.answer_question(turn.rt, text, turn.lang, CHANNEL)
    return faq.reply_text(turn.rt, answered) if answered.match else None
