"""Paper selection: the papers closest to the question, within a margin of the best."""

from __future__ import annotations

from synth.core.ids import PaperId
from synth.core.types import Paper
from synth.retrieve.embed import CachedEncoder
from synth.retrieve.select import rank_papers, select_papers
from synth.store.db import connect
from synth.store.embeddings import EmbeddingCache
from tests.conftest import FakeEmbedder

PAPERS = [
    Paper(PaperId("arxiv:0001.00001"), "Cheese", abstract="cheese and more cheese"),
    Paper(PaperId("arxiv:0001.00002"), "Widgets", abstract="widgets widgets retrieval"),
    Paper(PaperId("arxiv:0001.00003"), "Widget retrieval", abstract="widgets retrieval"),
]


def _encoder() -> CachedEncoder:
    embedder = FakeEmbedder(["widget", "retrieval", "cheese"])
    return CachedEncoder(embedder, EmbeddingCache(connect(":memory:"), embedder.model_id))


def test_papers_are_ranked_by_similarity_to_the_question():
    ranked = rank_papers("widget retrieval", PAPERS, _encoder())
    assert [p.title for p, _ in ranked][-1] == "Cheese"
    assert ranked[0][1] >= ranked[1][1] >= ranked[2][1]


def test_selection_keeps_only_papers_within_the_margin_of_the_best():
    chosen = select_papers("widget retrieval", PAPERS, _encoder(), max_papers=3, margin=0.05)
    assert "Cheese" not in [p.title for p, _ in chosen]
    assert len(chosen) >= 1


def test_selection_never_exceeds_max_papers_and_handles_no_papers():
    assert len(select_papers("widget", PAPERS, _encoder(), max_papers=1, margin=1.0)) == 1
    assert select_papers("widget", [], _encoder(), max_papers=3, margin=1.0) == []
