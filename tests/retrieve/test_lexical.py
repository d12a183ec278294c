"""Word-overlap ranking, the cheap first pass over sources too large to embed whole."""

from __future__ import annotations

from synth.retrieve.lexical import bm25_scores, terms, top_by_overlap


def test_terms_are_lowercased_words_and_cjk_runs_become_bigrams():
    assert terms("Hybrid batch-training, 12%!") == ["hybrid", "batch", "training", "12"]
    assert terms("言語バイアス") == ["言語", "語バ", "バイ", "イア", "アス"]


def test_shared_rare_words_outrank_shared_common_words():
    documents = [
        "the model and the data",
        "language bias falls with hybrid batches",
        "the the the model",
    ]
    scores = bm25_scores("hybrid batches reduce the language bias", documents)
    assert scores.argmax() == 1
    assert scores[0] > 0 and scores[2] > 0, "'the' is shared, if weakly"


def test_top_by_overlap_breaks_ties_in_document_order():
    documents = ["nothing here", "cheese caves", "also nothing", "cheese"]
    assert top_by_overlap("cheese", documents, 2) == [3, 1], "the shorter match scores higher"
    assert top_by_overlap("Käse", documents, 2) == [0, 1], "no shared word: the opening first"
    assert top_by_overlap("x", [], 3) == [] and top_by_overlap("x", documents, 0) == []
