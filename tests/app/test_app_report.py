"""`synth report` / `synth check` orchestration with a fake embedder and a fake verifier:
which papers, which claims, which evidence, what is stored and recorded (no model loaded)."""

from __future__ import annotations

import pytest

from synth.app import library as app_library
from synth.app.report import build_report, check_claim
from synth.core.errors import SynthError
from synth.core.types import Label

KEYWORDS = ["widget", "sparse", "retrieval", "latency", "cheese"]

WIDGETS = [
    [
        "Sparse Widgets for Retrieval",
        "Abstract",
        "We study sparse widgets for fast retrieval.",
        "Sparse widgets improve retrieval accuracy by 12%.",
        "Sparse widgets reduce latency by half on three benchmark datasets.",
    ],
    [
        "4 Results",
        "Across five test collections in two languages, sparse widgets improve retrieval "
        "accuracy by 12% over the dense baselines of Table 2.",
    ],
    [
        "5 Conclusion",
        "This paper studied sparse widgets in detail.",
        "Sparse widgets reduce latency by half on three benchmark datasets.",
    ],
]
CHEESE = [
    [
        "Cheese Ageing",
        "Abstract",
        "We show that cheese ages faster in warm caves than in cold caves.",
        "Our experiments on twelve cheeses demonstrate consistent ageing gains.",
    ]
]


@pytest.fixture
def pdfs(make_pdf):
    return (
        str(make_pdf(WIDGETS, title="Sparse Widgets for Retrieval", name="widgets.pdf")),
        str(make_pdf(CHEESE, title="Cheese Ageing", name="cheese.pdf")),
    )


def test_a_claim_is_checked_against_its_papers_results_never_itself_or_a_restatement(
    fake_context, pdfs
):
    report = build_report(fake_context(KEYWORDS), "Do sparse widgets help retrieval?", pdfs[:1])
    by_text = {v.claim.text: v for v in report.verdicts}
    shown = by_text["Sparse widgets improve retrieval accuracy by 12%."]
    assert shown.label is Label.SUPPORTED, "the results section states it, among more"
    (quote,) = shown.evidence
    assert quote.page_index == 1 and "Across five test collections" in quote.quote
    restated = by_text["Sparse widgets reduce latency by half on three benchmark datasets."]
    assert restated.label is Label.NOT_ENOUGH_INFO, "the conclusion only says it again"
    assert restated.mark.value == "?"


def test_a_claim_from_an_abstract_only_paper_is_not_checked_against_it(fake_context, make_pdf):
    abstract_only = make_pdf(
        [
            [
                "Widgets Alone",
                "Abstract",
                "Sparse widgets improve retrieval accuracy by 12%.",
                "Sparse widgets improve retrieval accuracy by 12% on every benchmark.",
            ]
        ],
        title="Widgets Alone",
        name="alone.pdf",
    )
    ctx = fake_context(KEYWORDS)
    report = build_report(ctx, "Do sparse widgets help retrieval?", [str(abstract_only)])
    assert report.verdicts and all(v.not_checked for v in report.verdicts)
    assert {v.mark.value for v in report.verdicts} == {"–"}
    assert ctx.verifier.calls == [], "an abstract is never evidence for its own sentences"
    assert "not checked (–" in report.abstract


def test_counts_in_the_text_agree_with_the_table_and_the_papers(fake_context, pdfs):
    report = build_report(fake_context(KEYWORDS), "Do sparse widgets help retrieval?", pdfs)
    assert f"{len(report.papers)} papers retrieved" in report.results
    assert f"{len(report.verdicts)} claims extracted" in report.results
    assert sum(report.counts.values()) == len(report.verdicts)


def test_the_most_relevant_claims_come_first(fake_context, pdfs):
    report = build_report(fake_context(KEYWORDS), "sparse widget retrieval latency", pdfs)
    assert "cheese" not in report.verdicts[0].claim.text.lower()


def test_a_second_report_reparses_and_reembeds_nothing(fake_context, pdfs, monkeypatch):
    question = "Do sparse widgets help retrieval?"
    build_report(fake_context(KEYWORDS), question, pdfs)
    again = fake_context(KEYWORDS)
    monkeypatch.setattr(app_library, "ingest", lambda *a, **k: pytest.fail("re-ingested"))
    monkeypatch.setattr(app_library, "parse_pdf", lambda *a, **k: pytest.fail("re-parsed"))
    build_report(again, question, pdfs)
    encoded = again.encoder.embedder.encoded
    assert not [t for t in encoded if t.startswith("passage: ")], "passages were re-embedded"


def test_a_second_report_loads_no_verifier(fake_context, pdfs, monkeypatch):
    """Stored verdicts answer it; the Methodology's verifier line comes from the spec."""
    from synth.app.context import Context

    question = "Do sparse widgets help retrieval?"
    first = build_report(fake_context(KEYWORDS), question, pdfs)
    again = fake_context(KEYWORDS)
    monkeypatch.setattr(Context, "verifier", property(lambda self: pytest.fail("loaded")))
    second = build_report(again, question, pdfs)
    assert second.methodology == first.methodology and second.verdicts == first.verdicts


def test_every_run_is_recorded_and_a_failed_one_says_so(fake_context, pdfs):
    ctx = fake_context(KEYWORDS)
    build_report(ctx, "Do sparse widgets help retrieval?", pdfs)

    def broken(texts):
        raise RuntimeError("encoder crashed")

    ctx.encoder.embedder.encode = broken
    with pytest.raises(RuntimeError):
        build_report(ctx, "Do sparse widgets help retrieval?", pdfs)
    assert [r["status"] for r in ctx.library.runs("report")] == ["done", "failed"]


def test_check_quotes_the_deciding_sentence_verbatim(fake_context, pdfs):
    ctx = fake_context(KEYWORDS)
    verdict = check_claim(ctx, "Sparse widgets reduce latency by half.", pdfs[:1])
    assert verdict.label is Label.SUPPORTED
    (quote,) = verdict.evidence
    page = ctx.library.page(quote.paper_id, quote.page_index)
    assert page.text[quote.start : quote.end] == quote.quote


def test_a_huge_source_embeds_a_bounded_number_of_new_passages_per_run(fake_context, make_pdf):
    pages = [
        [f"Cheese {p}-{i} ages in cave {i} over {p + 2} months." for i in range(6)]
        for p in range(20)
    ]
    pages[17] = ["Sparse widgets reduce latency by half on every benchmark."]
    pdf = str(make_pdf(pages, title="A Long Cheese Report", name="long.pdf"))
    claim = "Sparse widgets reduce latency by half."

    def embedded(ctx):
        return [t for t in ctx.encoder.embedder.encoded if t.startswith("passage: ")]

    first = fake_context(KEYWORDS, **{"verify.max_new_passages": 4})
    verdict = check_claim(first, claim, [pdf])
    assert len(embedded(first)) == 4
    assert verdict.label is Label.SUPPORTED, "the passage sharing the claim's words goes first"
    assert any("latency" in t for t in embedded(first))
    second = fake_context(KEYWORDS, **{"verify.max_new_passages": 4})
    check_claim(second, claim, [pdf])
    assert len(embedded(second)) == 4 and not set(embedded(second)) & set(embedded(first)), (
        "a rerun embeds the next passages; those embedded before come from the cache"
    )


def test_a_cited_id_offline_falls_back_to_the_bundled_abstract(fake_context):
    ctx = fake_context(["language bias", "hybrid"])
    claim = "Hybrid batch training reduces language bias"
    verdict = check_claim(ctx, claim, ["2408.10536"])
    assert verdict.evidence and all(e.paper_id == "arxiv:2408.10536" for e in verdict.evidence)


def test_an_unknown_id_offline_is_one_clear_error_with_a_hint(fake_context):
    with pytest.raises(SynthError) as caught:
        check_claim(fake_context(), "Some claim.", ["2501.00001"])
    assert "offline" in caught.value.message and "synth add" in caught.value.hint


def test_empty_question_or_claim_is_a_user_error(fake_context, pdfs):
    with pytest.raises(SynthError, match="question is empty"):
        build_report(fake_context(), "  ", pdfs)
    with pytest.raises(SynthError, match="no source"):
        check_claim(fake_context(), "A claim.", [])


def test_windows_of_adjacent_sentences_are_scored_only_when_asked(fake_context, pdfs):
    question = "Do sparse widgets help retrieval?"
    plain = build_report(fake_context(KEYWORDS), question, pdfs[:1])
    assert {e.span for v in plain.verdicts for e in v.evidence} <= {"sentence"}
    claim = "Sparse widgets improve retrieval accuracy by 12%. Sparse widgets reduce latency"
    with_windows = check_claim(fake_context(KEYWORDS, **{"verify.windows": True}), claim, pdfs[:1])
    assert with_windows.label is Label.SUPPORTED, "only two adjacent sentences state it"
    assert with_windows.evidence[0].span == "window"


def test_each_claim_is_checked_against_every_paper_and_the_answer_cites_the_table(
    fake_context, make_pdf
):
    shared = "Sparse widgets improve retrieval accuracy by 12%."
    first = make_pdf(
        [["Widgets One", "Abstract", "We study sparse widgets for fast retrieval.", shared]],
        title="Widgets One",
        name="one.pdf",
    )
    second = make_pdf(
        [
            [
                "Widgets Two",
                "Abstract",
                "We revisit sparse widgets in retrieval systems.",
                "Prior work found that " + shared[0].lower() + shared[1:],
                "Sparse widgets reduce latency by half in our experiments.",
            ]
        ],
        title="Widgets Two",
        name="two.pdf",
    )
    ctx = fake_context(KEYWORDS, **{"retrieve.paper_margin": 1.0})
    report = build_report(ctx, "Do sparse widgets help retrieval?", [str(first), str(second)])
    assert len(report.checks) == len(report.verdicts)
    assert all(len(row) == 2 and sum(c.own for c in row) == 1 for row in report.checks)
    row = next(i for i, v in enumerate(report.verdicts) if v.claim.text == shared)
    others = [c for c in report.checks[row] if not c.own]
    assert [c.verdict.label for c in others] == [Label.SUPPORTED], "the other paper states it"
    answer = " ".join(s for p in report.answer for s in p.sentences)
    assert f"[C{row + 1}]" in answer
    for para in report.answer:
        for sentence in para.sentences:
            assert "[C" in sentence, f"uncited: {sentence}"


def test_a_second_report_on_the_same_question_verifies_nothing_again(fake_context, pdfs):
    question = "Do sparse widgets help retrieval?"
    first = build_report(fake_context(KEYWORDS), question, pdfs)
    again_ctx = fake_context(KEYWORDS)
    again = build_report(again_ctx, question, pdfs)
    assert again_ctx.verifier.calls == [], "every verdict came from the library"
    assert [v.label for v in again.verdicts] == [v.label for v in first.verdicts]


def test_a_claim_its_own_paper_contradicts_is_shown_as_unsettled_for_review_never_as_x(
    fake_context, pdfs
):
    from synth.core.types import OWN_PAPER_CONFLICT

    claim = "Sparse widgets reduce latency by half on three benchmark datasets."
    ctx = fake_context(KEYWORDS, contradicted=[claim])
    report = build_report(ctx, "Do sparse widgets help retrieval?", pdfs[:1])
    verdict = next(v for v in report.verdicts if v.claim.text == claim)
    assert verdict.label is Label.NOT_ENOUGH_INFO and verdict.mark.value == "?"
    assert verdict.reason.startswith(OWN_PAPER_CONFLICT) and verdict.evidence, "quotes kept"
    review = [s for p in report.answer for s in p.sentences if s.startswith("For review")]
    assert review and "[C" in review[0]
