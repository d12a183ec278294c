"""Word-overlap ranking (Okapi BM25): a cheap first pass where embedding every passage would
take too long (a 500-page PDF holds ~4,000 passages, minutes of encoder time on two cores).

Terms are lower-cased words; runs of CJK characters, which have no spaces, become character
bigrams. Pure functions over strings, no index kept.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")
# Han, Hiragana, Katakana, Hangul syllables: scripts written without spaces between words
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def terms(text: str) -> list[str]:
    """The BM25 terms of `text`: lower-cased words; CJK runs as character bigrams."""
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        if len(word) > 1 and _CJK.search(word):
            out.extend(word[i : i + 2] for i in range(len(word) - 1))
        else:
            out.append(word)
    return out


def bm25_scores(
    query: str, documents: Sequence[str], *, k1: float = 1.2, b: float = 0.75
) -> np.ndarray:
    """BM25 score of each document for `query` (0 where they share no term)."""
    docs = [Counter(terms(d)) for d in documents]
    if not docs:
        return np.zeros(0, dtype=np.float64)
    lengths = np.array([sum(d.values()) for d in docs], dtype=np.float64)
    average = max(float(lengths.mean()), 1.0)
    n = len(docs)
    scores = np.zeros(n, dtype=np.float64)
    for term in set(terms(query)):
        df = sum(1 for d in docs if term in d)
        if not df:
            continue
        idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
        tf = np.array([d.get(term, 0) for d in docs], dtype=np.float64)
        scores += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths / average))
    return scores


def top_by_overlap(query: str, documents: Sequence[str], k: int) -> list[int]:
    """Indices of the `k` documents sharing most with `query`, best first; ties (a query in
    another language shares nothing) keep document order, so a paper's opening comes first."""
    scores = bm25_scores(query, documents)
    order = sorted(range(len(documents)), key=lambda i: (-scores[i], i))
    return order[: max(0, k)]
