"""Auditing a report itself: stated counts, references, the research question, duplicates."""

from __future__ import annotations

from pathlib import Path

from synth.app.recheck import audit
from synth.core.ids import PaperId
from synth.core.types import (
    Claim,
    ClaimReport,
    ClaimRow,
    Evidence,
    Label,
    Paper,
    RowCheck,
    SourceRef,
    StatedCounts,
    Verdict,
)

NO_COUNTS = StatedCounts()


def _report(rows=3, refs=("2408.10536v1", "2110.15725v1"), counts=NO_COUNTS, sections=None):
    return ClaimReport(
        Path("r.txt"),
        "text",
        "T",
        None,
        "Q?",
        tuple(ClaimRow(f"claim {i}", "✓", 0.3, False) for i in range(rows)),
        refs,
        counts,
        sections or {},
    )


def test_question_terms_are_tokens_named_by_capitals_digits_or_at_signs():
    question = (
        "Does scaling the model to 30B parameters improve precision@k on BEIR and TyDiQA "
        "when applied to XLM-R?"
    )
    assert audit.question_terms(question) == ["30B", "precision@k", "BEIR", "TyDiQA", "XLM-R"]


def test_a_term_matches_the_sources_without_case_hyphens_or_spaces():
    sources = ["We evaluate on XQuAD R and on tydiqa, with xlmr."]
    question = "How does it do on XQuAD-R, TyDiQA and XLM-R?"
    assert audit.unanswered_terms(question, sources) == []


def test_a_term_no_source_mentions_is_unanswered():
    missing = audit.unanswered_terms("Does it help 30B models on BEIR?", ["It helps on MIRACL."])
    assert [term for term, _ in missing] == ["30B", "BEIR"]
    assert all(why == "no cited source mentions it" for _, why in missing)


def test_a_term_mentioned_only_by_a_paper_off_the_questions_subject_is_unanswered():
    sources = [
        "A hybrid batch training strategy improves zero-shot retrieval.",
        "Experiments show the effectiveness of pre-training on the XTREME benchmark.",
    ]
    question = "Does the hybrid batch training strategy improve retrieval in the XTREME benchmark?"
    assert audit.question_subject(question, sources) == "hybrid batch training strategy"
    ((term, why),) = audit.unanswered_terms(question, sources)
    assert term == "XTREME" and "hybrid batch training strategy" in why


def test_question_finding_names_each_term():
    (finding,) = audit.question_findings("Is BEIR solved?", ["Nothing about it."])
    assert finding.kind == "unanswered_question" and '"BEIR"' in finding.message


def test_stated_counts_that_disagree_with_the_table_and_references_are_findings():
    report = _report(counts=StatedCounts(papers_retrieved=8, claims_extracted=11, verified=9))
    messages = [f.message for f in audit.count_findings(report)]
    assert messages == [
        "the report says it retrieved 8 papers; its reference list has 2",
        "the report says it extracted 11 claims; its table has 3 rows",
        "the report says it verified 9 claims; its table marks 3 ✓",
    ]


def test_counts_that_agree_are_not_findings():
    report = _report(counts=StatedCounts(papers_retrieved=2, claims_extracted=3, verified=3))
    assert audit.count_findings(report) == []


def _paper(pid):
    return Paper(PaperId(pid), "title")


def _row(label, paper_id):
    claim = Claim("c", "claim")
    evidence = (Evidence(PaperId(paper_id), 0, 0, 5, "quote", 0.9),)
    return RowCheck(ClaimRow("claim", "✓", 0.2, False), Verdict(claim, label, 0.9, evidence), "c")


def test_a_reference_no_decisive_verdict_rests_on_is_unused():
    refs = [
        SourceRef("2408.10536v1", _paper("arxiv:2408.10536"), "2408.10536"),
        SourceRef("2110.15725v1", _paper("arxiv:2110.15725"), "2110.15725"),
        SourceRef("2506.15415v1", None, "", problem="offline"),
    ]
    rows = [
        _row(Label.SUPPORTED, "arxiv:2408.10536"),
        _row(Label.NOT_ENOUGH_INFO, "arxiv:2110.15725"),  # quoted, but decides nothing
    ]
    findings = audit.reference_findings(refs, rows)
    assert [(f.kind, f.message.split()[0]) for f in findings] == [
        ("unused_reference", "2110.15725v1"),
        ("unavailable_reference", "2506.15415v1"),
    ]


def test_near_duplicate_claims_are_reported_by_position():
    texts = [
        "Hybrid batch training reduces language bias in multilingual retrieval.",
        "The sky is blue.",
        "Hybrid batch training substantially reduces language bias in multilingual retrieval.",
    ]
    (finding,) = audit.duplicate_findings(texts)
    assert finding.message == "claims 1 and 3 say nearly the same thing"


def test_process_statements_come_from_methodology_and_results():
    sections = {
        "2 Methodology": "Systematic literature search across multiple databases yielded 8 "
        "papers. Claims were extracted. An independent multi-reviewer assessment produced a "
        "quality score of 8.0/10.",
        "3 Results": "8 papers retrieved. Quality review score: 8.0/10.",
    }
    statements = audit.process_statements(_report(sections=sections))
    assert statements == [
        "Systematic literature search across multiple databases yielded 8 papers.",
        "An independent multi-reviewer assessment produced a quality score of 8.0/10.",
        "Quality review score: 8.0/10.",
    ]
