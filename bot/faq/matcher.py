"""Which FAQ entry answers a text, and how sure the match is.

Each phrasing of an entry (its question and the alternatives) is a document, in two BM25
indexes per language: one over words, one over the characters and character pairs of those
words (it still finds "外国同事" near "外国人" and "绿色" near "绿码" where the words differ).
An entry ranks by the best of its phrasings, each index's score taken as a share of the
score the question would get against itself, so the two add up on one scale.

Ranking says which entry is nearest, not whether it answers at all: "口罩去哪里买" is near
nothing, "疫苗在哪个医院打" is near the hospital entry through one word. The confidence says
how much of the question the entry explains: the idf weight of the question's words that the
entry's phrasings hold, over the weight of all of them, where a word no phrasing holds weighs
the most (it is what the question is about, and no entry speaks of it). Below the threshold
the matcher answers nothing, and the caller says it cannot answer (docs/faq.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.faq.bm25 import Bm25
from bot.faq.entries import LANGUAGES, Faq, FaqEntry
from bot.faq.words import Words, characters, is_asking, language_of

# measured on tests/data/faq_questions.tsv and reported by `python -m bench.faq`
THRESHOLD = 0.3


@dataclass(frozen=True)
class Match:
    entry: FaqEntry
    lang: str  # the language the question was asked in, and the answer is given in
    confidence: float  # 0 to 1: the share of the question the entry explains


@dataclass(frozen=True)
class _Index:
    words: Bm25
    characters: Bm25
    owners: tuple[int, ...]  # document number -> entry number
    vocabularies: tuple[frozenset[str], ...]  # entry number -> the words of its phrasings


class FaqMatcher:
    """Built once per process from a FAQ; ``match`` is pure and fast (no I/O)."""

    def __init__(self, faq: Faq, threshold: float = THRESHOLD) -> None:
        self.faq = faq
        self.threshold = threshold
        self.words = Words(faq.synonyms)
        self._indexes = {lang: self._index(lang) for lang in LANGUAGES}

    def _index(self, lang: str) -> _Index:
        documents: list[list[str]] = []
        owners: list[int] = []
        vocabularies: list[frozenset[str]] = []
        for number, entry in enumerate(self.faq.entries):
            vocabulary: set[str] = set()
            for phrasing in entry.phrasings(lang):
                terms = self.words.terms(phrasing, lang)
                documents.append(terms)
                owners.append(number)
                vocabulary.update(terms)
            vocabularies.append(frozenset(vocabulary))
        return _Index(
            Bm25(documents),
            Bm25([characters(doc) for doc in documents]),
            tuple(owners),
            tuple(vocabularies),
        )

    def match(self, text: str) -> Match | None:
        """The entry that answers ``text``, or None when no entry is sure enough."""
        best = self.best(text)
        return best if best is not None and best.confidence >= self.threshold else None

    def best(self, text: str) -> Match | None:
        """The nearest entry with its confidence, however low; None when the text shares
        nothing with any entry."""
        lang = language_of(text)
        index = self._indexes[lang]
        query = self.words.terms(text, lang)
        ranks: dict[int, float] = {}
        for bm25, terms in ((index.words, query), (index.characters, characters(query))):
            for entry, share in _shares(bm25, terms, index.owners).items():
                ranks[entry] = ranks.get(entry, 0.0) + share
        if not ranks:
            return None
        winner = max(ranks, key=lambda n: (ranks[n], -n))
        confidence = _coverage(query, index.vocabularies[winner], index.words)
        return Match(self.faq.entries[winner], lang, round(confidence, 3))


def _shares(bm25: Bm25, terms: list[str], owners: tuple[int, ...]) -> dict[int, float]:
    """Each entry's best phrasing score, as a share of the terms' score against themselves."""
    whole = bm25.self_score(terms)
    if not whole:
        return {}
    best: dict[int, float] = {}
    for document, score in bm25.scores(terms).items():
        owner = owners[document]
        best[owner] = max(best.get(owner, 0.0), score / whole)
    return best


def _coverage(query: list[str], vocabulary: frozenset[str], bm25: Bm25) -> float:
    terms = {term for term in query if not is_asking(term)}
    total = sum(bm25.idf(term) for term in terms)
    held = sum(bm25.idf(term) for term in terms if term in vocabulary)
    return held / total if total else 0.0
