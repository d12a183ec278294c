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


def test_role_tells_findings_from_method_background_and_other_sentences():
    from synth.extract.claims import role

    assert role("Our experiments show that NCL improves R@1 by 13% on ActivityNet.") is (
        ClaimKind.RESULT
    )
    assert role("The CNN outperforms BugLocator in every metric.") is ClaimKind.RESULT
    assert role("We propose a hybrid batch training strategy for retrieval.") is ClaimKind.METHOD
    assert role("Recent approaches have achieved remarkable success in retrieval.") is (
        ClaimKind.BACKGROUND
    )
    assert role("Saha et al. show that their approach outperforms BugLocator.") is (
        ClaimKind.BACKGROUND
    )
    assert role("Future work could investigate more efficient sampling schemes.") is (
        ClaimKind.OTHER
    )


def test_background_sentences_are_never_selected_as_claims():
    background = Candidate(
        Claim("b", "Recent models achieve remarkable success.", PID, kind=ClaimKind.BACKGROUND), 3
    )
    finding = Candidate(Claim("f", "Our model reduces bias by 20%.", PID), 1)
    assert [c.id for c in select([background, finding], 10, 10)] == ["f"]


def test_a_paper_speaking_of_itself_is_named_so_the_row_stands_alone():
    from synth.extract.claims import stand_alone

    assert stand_alone("We show that our method reduces bias.", "2408.10536") == (
        "The authors of 2408.10536 show that their method reduces bias."
    )
    assert stand_alone("This paper proposes hybrid batch training.", "2408.10536") == (
        "2408.10536 proposes hybrid batch training."
    )
    assert stand_alone("Experiments show the proposed method helps.", "2408.10536") == (
        "Experiments show 2408.10536's proposed method helps."
    )
    assert stand_alone("Hybrid batches reduce bias.", "2408.10536") == "Hybrid batches reduce bias."


def test_a_sentence_stating_two_findings_becomes_two_claims_each_with_its_offsets():
    from synth.extract.claims import clauses

    text = (
        "Hybrid batch training reduces language bias by 20% on XQuAD-R, while monolingual "
        "training improves recall by 3% on MLQA-R over the baselines."
    )
    first, second = clauses(text, 0, len(text))
    assert text[slice(*first)] == "Hybrid batch training reduces language bias by 20% on XQuAD-R"
    assert text[slice(*second)].startswith("monolingual training improves recall by 3%")


def test_a_second_part_that_needs_the_first_keeps_the_sentence_whole():
    from synth.extract.claims import clauses

    leaning = "Hybrid batches reduce language bias by 20% on XQuAD-R, while it improves recall by 3% on MLQA-R."
    method = "We train on eleven languages of XQuAD-R; the model is then evaluated on MLQA-R."
    for text in (leaning, method):
        assert clauses(text, 0, len(text)) == [(0, len(text))]
