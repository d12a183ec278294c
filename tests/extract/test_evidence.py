"""Candidate evidence: sentences, windows of two adjacent sentences and the best passage,
always verbatim page text with exact offsets, never the claim's own sentence."""

from __future__ import annotations

from synth.core.ids import PaperId, PassageId
from synth.core.types import Claim, Hit, Passage
from synth.extract.evidence import candidate_spans

PID = PaperId("arxiv:2408.10536")
PAGE = (
    "We train retrievers on XQuAD-R in eleven languages. "
    "Hybrid batches cut language bias by a third. "
    "The learning rate is small and fixed throughout. "
    "Results hold for every language pair we tried."
)


def _hits(text: str = PAGE, offset: int = 100) -> list[Hit]:
    passage = Passage(PassageId("p0"), PID, 0, offset, offset + len(text), text)
    return [Hit(passage, 0.9, 1)]


def _page_text(offset: int = 100) -> str:
    return " " * offset + PAGE


def test_windows_join_adjacent_sentences_verbatim_with_exact_offsets():
    spans = candidate_spans(Claim("c", "claim"), _hits(), {})
    windows = [e for e in spans if e.span == "window"]
    assert windows, "adjacent sentences give windows"
    page = _page_text()
    for e in spans:
        assert page[e.start : e.end] == e.quote, e.span
    assert windows[0].quote == (
        "We train retrievers on XQuAD-R in eleven languages. "
        "Hybrid batches cut language bias by a third."
    )


def test_the_top_passage_is_a_candidate_when_it_holds_more_than_two_sentences():
    spans = candidate_spans(Claim("c", "claim"), _hits(), {})
    (passage,) = [e for e in spans if e.span == "passage"]
    assert passage.quote == PAGE and "a whole passage" in passage.location


def test_no_span_contains_the_claims_own_sentence():
    own_start = 100 + PAGE.index("Hybrid batches")
    own_end = own_start + len("Hybrid batches cut language bias by a third.")
    claim = Claim("c", "Hybrid batches cut language bias by a third.", PID, 0, own_start, own_end)
    for e in candidate_spans(claim, _hits(), {}):
        assert e.end <= own_start or e.start >= own_end, f"{e.span} {e.quote!r} holds the claim"


def test_sentences_come_first_and_are_bounded():
    spans = candidate_spans(Claim("c", "claim"), _hits(), {}, max_sentences=2, max_windows=1)
    assert [e.span for e in spans] == ["sentence", "sentence", "window", "passage"]
