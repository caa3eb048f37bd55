"""Okapi BM25 over a few hundred short documents, built once: an inverted index of term
frequencies, so a query touches only the documents that share a term with it."""

from __future__ import annotations

import math
from collections import Counter

K1 = 1.2
B = 0.75


class Bm25:
    def __init__(self, documents: list[list[str]]) -> None:
        self.size = len(documents)
        lengths = [len(doc) for doc in documents]
        self._average = (sum(lengths) / self.size) if self.size else 1.0
        self._norm = [K1 * (1 - B + B * length / self._average) for length in lengths]
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for number, doc in enumerate(documents):
            for term, count in Counter(doc).items():
                self._postings.setdefault(term, []).append((number, count))
        self._idf = {term: self._idf_of(len(p)) for term, p in self._postings.items()}
        self.unseen_idf = self._idf_of(0)

    def _idf_of(self, containing: int) -> float:
        return math.log(1 + (self.size - containing + 0.5) / (containing + 0.5))

    def idf(self, term: str) -> float:
        """How much a term tells: the idf of a term no document holds is the highest."""
        return self._idf.get(term, self.unseen_idf)

    def self_score(self, query: list[str]) -> float:
        """What the query would score against a document of itself: the most it can get,
        where each term the index does not hold counts at the highest idf."""
        return sum(self.idf(term) for term in set(query))

    def scores(self, query: list[str]) -> dict[int, float]:
        """Each document's score for the query's terms (documents that share none: absent)."""
        scores: dict[int, float] = {}
        for term in set(query):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for number, count in self._postings[term]:
                gain = idf * count * (K1 + 1) / (count + self._norm[number])
                scores[number] = scores.get(number, 0.0) + gain
        return scores
