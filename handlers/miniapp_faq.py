"""The mini-program's FAQ: ``GET /api/miniapp/faq`` lists the entries in the account's
language; ``?q=`` answers the best match with its confidence, or none and the hotline."""

from __future__ import annotations

from typing import Any

from bot.faq.entries import FaqEntry
from bot.health.errors import InvalidInput
from bot.services.faq.answers import Answered, answer_text, source_text
from bot.services.runtime import Runtime

MIN_QUERY, MAX_QUERY = 1, 200


def faq_query(raw: str) -> str:
    """``q`` as typed: 1 to 200 characters, else a refusal naming the field."""
    if not MIN_QUERY <= len(raw) <= MAX_QUERY:
        raise InvalidInput("miniapp.faq_query", field="q", min=MIN_QUERY, max=MAX_QUERY)
    return raw


def faq_list_json(rt: Runtime, lang: str) -> dict[str, Any]:
    return {
        "name": rt.faq.faq.name.in_language(lang),
        "hotline": rt.settings.hotline,
        "entries": [_entry_json(rt, entry, lang) for entry in rt.faq.faq.entries],
    }


def faq_answer_json(rt: Runtime, query: str, answered: Answered) -> dict[str, Any]:
    match = answered.match
    found = None
    if match is not None:
        found = _entry_json(rt, match.entry, answered.lang) | {"confidence": match.confidence}
    return {
        "query": query,
        "lang": answered.lang,
        "match": found,
        "hotline": rt.settings.hotline,
    }


def _entry_json(rt: Runtime, entry: FaqEntry, lang: str) -> dict[str, Any]:
    return {
        "id": entry.id,
        "faq_questions": list(entry.source),
        "question": entry.question.in_language(lang),
        "answer": answer_text(rt, entry, lang),
        "source": source_text(rt, entry, lang),
    }
