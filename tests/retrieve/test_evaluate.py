"""Retrieval metrics against values computed by hand on tiny qrels."""

from __future__ import annotations

import numpy as np
import pytest

from synth.retrieve.evaluate import (
    average_precision,
    mean_average_precision,
    mean_recall_at_k,
    ranks_of,
    recall_at_k,
)


def test_average_precision_of_relevant_items_at_ranks_1_3_and_6():
    # precision at each relevant hit: 1/1, 2/3, 3/6 -> mean 0.7222…
    assert average_precision(np.array([6, 1, 3])) == pytest.approx((1 + 2 / 3 + 0.5) / 3)


def test_average_precision_with_one_relevant_item_is_its_reciprocal_rank():
    assert average_precision(np.array([4])) == pytest.approx(0.25)


def test_ranks_count_strictly_higher_scores_so_ties_favour_the_relevant_item():
    scores = np.array([[0.9, 0.5, 0.7, 0.5]])
    ranks = ranks_of(scores, np.array([[0.5, 0.9]]))
    assert ranks.tolist() == [[3, 1]]


def test_recall_at_k_counts_relevant_items_within_the_cut():
    assert recall_at_k(np.array([1, 5, 12]), 3, 10) == pytest.approx(2 / 3)


def test_map_and_recall_over_beir_shaped_qrels_and_results():
    qrels = {"q1": {"d1": 1, "d3": 1}, "q2": {"d2": 1}, "q3": {"d9": 1}}
    results = {
        "q1": {"d1": 0.9, "d2": 0.8, "d3": 0.7},  # relevant at ranks 1 and 3: AP (1 + 2/3) / 2
        "q2": {"d1": 0.9, "d2": 0.1},  # rank 2: AP 0.5
        "q3": {"d1": 0.5},  # never retrieved: AP 0
    }
    assert mean_average_precision(qrels, results) == pytest.approx(((1 + 2 / 3) / 2 + 0.5 + 0) / 3)
    assert mean_recall_at_k(qrels, results, 1) == pytest.approx((0.5 + 0 + 0) / 3)


def test_metrics_do_not_mutate_their_inputs():
    qrels = {"q1": {"d1": 1}}
    results = {"q1": {"d1": 0.3, "d2": 0.9}}
    mean_average_precision(qrels, results)
    assert qrels == {"q1": {"d1": 1}} and results == {"q1": {"d1": 0.3, "d2": 0.9}}
