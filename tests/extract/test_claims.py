"""Claim candidates: statements with cues, from abstract/introduction/conclusion, readable."""

from __future__ import annotations

import numpy as np

from synth.core.ids import PaperId
from synth.core.types import Claim, ClaimKind, Page
from synth.extract.claims import Candidate, candidates, readable, select
from synth.extract.rank import order_by_relevance

PID = PaperId("arxiv:2408.10536")


def _page(text: str, section: str, index: int = 1) -> Page:
    return Page(PID, index, text, headings=((0, section),))


def test_cue_sentences_from_the_abstract_become_claims_with_offsets():
    text = (
        "Our method outperforms the baseline and improves recall by five points. The sky is blue."
    )
    (found,) = candidates([_page(text, "Abstract", 0)])
    claim = found.claim
    assert claim.text == "Our method outperforms the baseline and improves recall by five points."
    assert text[claim.start : claim.end] == claim.text and claim.kind is ClaimKind.RESULT


def test_sections_other_than_abstract_introduction_conclusion_give_no_claims():
    text = "Our method outperforms the baseline on three benchmark datasets."
    assert candidates([_page(text, "4 Experimental setup")]) == []


def test_questions_and_short_fragments_are_not_claims():
    text = "Does our method outperform the baseline on datasets? It improves."
    assert candidates([_page(text, "1 Introduction")]) == []


def test_readable_drops_citation_brackets_and_leading_connectives():
    assert readable("However, the method improves recall [3, 4].") == "The method improves recall."


def _candidate(text: str, paper: str, cue: float = 1.0) -> Candidate:
    return Candidate(Claim(text, text, PaperId(paper)), cue)


def test_select_skips_near_duplicates_and_caps_claims_per_paper():
    ranked = [
        _candidate("Hybrid batches reduce language bias in retrieval", "arxiv:1"),
        _candidate("Hybrid batches reduce the language bias in retrieval", "arxiv:2"),
        _candidate("Training uses eleven languages of XQuAD-R", "arxiv:1"),
        _candidate("Cheese ages slowly in cold caves", "arxiv:1"),
    ]
    chosen = select(ranked, max_claims=10, max_per_paper=2)
    assert [c.text for c in chosen] == [ranked[0].claim.text, ranked[2].claim.text]


def test_relevance_orders_claims_and_cue_strength_breaks_near_ties():
    a, b, c = _candidate("a", "p", cue=0), _candidate("b", "p", cue=3), _candidate("c", "p")
    ordered = order_by_relevance([a, b, c], np.array([0.80, 0.79, 0.50]))
    assert [x.claim.text for x in ordered] == ["b", "a", "c"]
