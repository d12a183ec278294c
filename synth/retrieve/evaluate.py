"""Retrieval metrics as pure functions: ranks, average precision, recall@k, and BEIR-shaped
wrappers (qrels `{qid: {doc_id: grade}}`, results `{qid: {doc_id: score}}`).

Ranks are 1-based over the full candidate list with no cut-off. Ties count in the relevant
item's favour (rank = 1 + number of strictly higher scores), as in most BEIR tooling.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np


def ranks_of(scores: np.ndarray, relevant_scores: np.ndarray) -> np.ndarray:
    """Ranks of relevant items. scores: (n_queries, n_candidates); relevant_scores:
    (n_queries, n_relevant) — the scores the relevant items got in the same rows."""
    # (n_queries, n_relevant): how many candidates beat each relevant item
    return 1 + (scores[:, None, :] > relevant_scores[:, :, None]).sum(axis=2)


def average_precision(ranks: np.ndarray) -> float:
    """AP of one query from the sorted ranks of all its relevant items."""
    ranks = np.sort(np.asarray(ranks, dtype=float))
    if not len(ranks):
        return 0.0
    return float(np.mean(np.arange(1, len(ranks) + 1) / ranks))


def recall_at_k(ranks: np.ndarray, n_relevant: int, k: int) -> float:
    return float(np.sum(np.asarray(ranks) <= k) / n_relevant) if n_relevant else 0.0


def _ranks_from_run(relevant: Mapping[str, int], scored: Mapping[str, float]) -> np.ndarray:
    scores = np.array(list(scored.values()), dtype=float)
    out = []
    for doc_id, grade in relevant.items():
        if grade <= 0:
            continue
        if doc_id in scored:
            out.append(1 + int(np.sum(scores > scored[doc_id])))
        else:
            out.append(np.inf)  # never retrieved: contributes 0 precision
    return np.array(out, dtype=float)


def mean_average_precision(
    qrels: Mapping[str, Mapping[str, int]], results: Mapping[str, Mapping[str, float]]
) -> float:
    """mAP over the queries in qrels (a query missing from results scores 0)."""
    values = [
        average_precision(_ranks_from_run(rel, results.get(qid, {}))) for qid, rel in qrels.items()
    ]
    return float(np.mean(values)) if values else 0.0


def mean_recall_at_k(
    qrels: Mapping[str, Mapping[str, int]], results: Mapping[str, Mapping[str, float]], k: int
) -> float:
    values = []
    for qid, rel in qrels.items():
        ranks = _ranks_from_run(rel, results.get(qid, {}))
        values.append(recall_at_k(ranks, len(ranks), k))
    return float(np.mean(values)) if values else 0.0
