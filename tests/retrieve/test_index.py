"""The passage index: exact inner-product search over normalised vectors."""

from __future__ import annotations

import numpy as np
import pytest

from synth.core.ids import PaperId, PassageId
from synth.core.types import Passage
from synth.retrieve.index import PassageIndex

PID = PaperId("arxiv:2408.10536")


def _passages(n: int) -> list[Passage]:
    return [Passage(PassageId(f"p{i}"), PID, 0, i, i + 1, "x") for i in range(n)]


def _unit(*rows):
    vectors = np.array(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_search_ranks_by_cosine_with_1_based_ranks():
    index = PassageIndex(_passages(3), _unit([1, 0], [0.6, 0.8], [0, 1]))
    hits = index.search(np.array([1.0, 0.0]), 2)
    assert [(h.passage.id, h.rank) for h in hits] == [("p0", 1), ("p1", 2)]
    assert hits[0].score == pytest.approx(1.0) and hits[1].score == pytest.approx(0.6)


def test_excluded_passages_are_skipped_and_k_is_still_filled():
    index = PassageIndex(_passages(3), _unit([1, 0], [0.6, 0.8], [0, 1]))
    hits = index.search(np.array([1.0, 0.0]), 2, exclude={"p0"})
    assert [h.passage.id for h in hits] == ["p1", "p2"]


def test_an_empty_index_finds_nothing_and_k_beyond_its_size_is_fine():
    assert PassageIndex([], np.zeros((0, 4), dtype=np.float32)).search(np.ones(4), 5) == []
    assert len(PassageIndex(_passages(1), _unit([1, 0])).search(np.array([1.0, 0.0]), 9)) == 1


def test_one_vector_per_passage_is_required():
    with pytest.raises(ValueError, match="one vector per passage"):
        PassageIndex(_passages(2), _unit([1, 0]))
