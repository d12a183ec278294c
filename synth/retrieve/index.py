"""A FAISS inner-product index over passage vectors, with the row -> passage map beside it.

Vectors are L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from synth.core.types import Hit, Passage


class PassageIndex:
    def __init__(self, passages: Sequence[Passage], vectors: np.ndarray) -> None:
        import faiss

        if vectors.ndim != 2 or len(passages) != len(vectors):
            raise ValueError("one vector per passage: vectors must be (n_passages, dim)")
        self.passages = list(passages)
        self._index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.passages)

    def search(self, query: np.ndarray, k: int, *, exclude: set[str] = frozenset()) -> list[Hit]:
        """Top-k passages for one query vector, skipping passage ids in `exclude`."""
        if not self.passages:
            return []
        want = min(len(self.passages), k + len(exclude))
        scores, rows = self._index.search(query.reshape(1, -1).astype(np.float32), want)
        hits: list[Hit] = []
        for score, row in zip(scores[0], rows[0], strict=False):
            if row < 0 or self.passages[row].id in exclude:
                continue
            hits.append(Hit(self.passages[row], float(score), len(hits) + 1))
            if len(hits) == k:
                break
        return hits
