"""`synth report` end to end: real encoder, real FAISS, real SQLite, real templates."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from synth.app.context import Context
from synth.app.library import add_pdf
from synth.app.report import build_report
from synth.core.ids import PaperId
from synth.render.render import Format, render

TEXT_VIDEO = "Does normalized contrastive learning improve text-video retrieval?"
HYBRID = "How does hybrid batch training affect language bias in multilingual retrieval?"

pytestmark = pytest.mark.slow


def run_synth(*args: str, env_extra: dict[str, str] | None = None, **kwargs):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "synth", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        **kwargs,
    )


@pytest.fixture(scope="module")
def corpus_reports(tmp_path_factory, model_dir):
    """Both README questions answered once from the bundled corpus, as JSON and Markdown."""
    home = tmp_path_factory.mktemp("home")
    env = {"SYNTH_HOME": str(home), "SYNTH_RETRIEVE__MODEL_DIR": str(model_dir)}
    out = {}
    for name, question in (("text_video", TEXT_VIDEO), ("hybrid", HYBRID)):
        md = home / f"{name}.md"
        result = run_synth("-q", "report", "--question", question, "-o", str(md), env_extra=env)
        assert result.returncode == 0, result.stderr
        as_json = run_synth(
            "-q", "report", "--question", question, "--format", "json", env_extra=env
        )
        assert as_json.returncode == 0, as_json.stderr
        out[name] = (md, json.loads(as_json.stdout))
    return home, out


@pytest.mark.parametrize("name", ["text_video", "hybrid"])
def test_corpus_report_passes_the_seed_format_check(corpus_reports, name, report_check):
    _, reports = corpus_reports
    md, data = reports[name]
    check = subprocess.run(
        [sys.executable, str(report_check), str(md), "--min-claims", "5"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout
    assert len(data["verdicts"]) >= 5


@pytest.mark.parametrize("name", ["text_video", "hybrid"])
def test_every_claim_has_a_verdict_a_confidence_and_locatable_evidence(corpus_reports, name):
    home, reports = corpus_reports
    _, data = reports[name]
    from synth.core.settings import load_settings

    library = Context(load_settings(home)).library
    for verdict, row in zip(data["verdicts"], data["checks"], strict=True):
        assert verdict["label"] in {"supported", "contradicted", "not_enough_info"}
        assert 0.0 <= verdict["confidence"] <= 1.0
        if verdict["not_checked"]:  # an abstract-only paper is no evidence for itself
            assert verdict["mark"] == "–" and not verdict["evidence"]
        else:
            assert verdict["evidence"], f"claim without evidence: {verdict['claim']['text']}"
        quotes = verdict["evidence"] + [e for check in row for e in check["evidence"]]
        for ev in quotes:
            page = library.page(PaperId(ev["paper_id"]), ev["page_index"])
            assert page.text[ev["start"] : ev["end"]] == ev["quote"]


def test_no_claim_is_marked_contradicted_by_its_own_paper(corpus_reports):
    _, reports = corpus_reports
    for _, data in reports.values():
        for row in data["checks"]:
            assert not [c for c in row if c["own"] and c["label"] == "contradicted"]


def test_check_finds_counts_bound_to_the_wrong_datasets_contradicted(make_pdf, model_dir, tmp_path):
    pdf = make_pdf(
        [
            [
                "Synergistic Multilingual Retrieval",
                "Abstract",
                "We train retrievers with hybrid batches.",
            ],
            [
                "4 Experiments",
                "XQuAD-R and MLQA-R are question-answering datasets with parallel questions",
                "and passages in 11 languages and 7 languages, respectively.",
                "We report mean average precision on both datasets.",
            ],
        ],
        title="Synergistic Multilingual Retrieval",
    )
    env = {"SYNTH_HOME": str(tmp_path / "home"), "SYNTH_RETRIEVE__MODEL_DIR": str(model_dir)}
    claim = "XQuAD-R covers 7 languages and MLQA-R covers 11 languages."
    result = run_synth("-q", "check", claim, "--source", str(pdf), "--json", env_extra=env)
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["label"] == "contradicted", verdict
    assert verdict["reason"].startswith("number_conflict")


def test_report_counts_agree_with_table_and_references(corpus_reports):
    _, reports = corpus_reports
    md, data = reports["text_video"]
    text = md.read_text(encoding="utf-8")
    rows = [
        ln
        for ln in text.split("## 5 Extracted Claims")[1].split("## References")[0].splitlines()
        if ln.startswith("| ") and not ln.startswith("| Claim")
    ]
    assert f"{len(rows)} claims extracted" in text
    refs = [
        ln
        for ln in text.split("## References")[1].split("## Evidence")[0].splitlines()
        if "arxiv.org/abs/" in ln
    ]
    assert len(refs) == len(data["papers"])
    assert "multi-reviewer" not in text.lower()


def test_the_text_video_question_selects_the_ncl_paper(corpus_reports):
    _, reports = corpus_reports
    _, data = reports["text_video"]
    assert "arxiv:2212.11790" in [p["id"] for p in data["papers"]]


def _paper_pdf(make_pdf):
    return make_pdf(
        [
            [
                "Sparse Widgets for Retrieval",
                "Abstract",
                "We propose sparse widgets, a method that improves retrieval accuracy by 12%.",
                "Experiments on three benchmark datasets show consistent gains over dense widgets.",
            ],
            [
                "1 Introduction",
                "Retrieval with widgets is slow. We introduce sparse widgets to fix this.",
                "Our approach reduces latency by half while improving accuracy.",
            ],
            "<image-only>",
            [
                "4 Results",
                "Sparse widgets improve retrieval accuracy by 12% over dense widgets.",
                "Across three benchmark datasets the gains are consistent.",
                "稀疏组件将检索准确率提高了百分之十二。",
                "Latency drops by half with sparse widgets & 100% of runs finish; cost_of_run ~ $5.",
            ],
            [
                "5 Conclusion",
                "Sparse widgets consistently improve retrieval accuracy over dense widgets.",
            ],
        ],
        title="Sparse Widgets for Retrieval",
    )


def test_report_on_a_local_pdf_quotes_its_pages(settings, make_pdf):
    ctx = Context(settings)
    library = ctx.library
    pdf = _paper_pdf(make_pdf)
    paper = add_pdf(ctx, pdf)
    assert library.failed_pages(paper.id) == [2], "the image-only page is skipped and reported"
    report = build_report(ctx, "Do sparse widgets improve retrieval accuracy?", [str(pdf)])
    assert report.verdicts
    for verdict in report.verdicts:
        for ev in verdict.evidence:
            assert library.page(ev.paper_id, ev.page_index).text[ev.start : ev.end] == ev.quote
            assert (ev.paper_id, ev.page_index, ev.start) != (
                verdict.claim.paper_id,
                verdict.claim.page_index,
                verdict.claim.start,
            ), "a claim is never its own evidence"


def test_latex_report_with_special_characters_and_scripts_compiles(
    settings, make_pdf, tmp_path, compile_tex
):
    report = build_report(
        Context(settings),
        "Do sparse widgets & co. improve 100% of $runs_{x}?",
        [str(_paper_pdf(make_pdf))],
    )
    from dataclasses import replace

    from synth.core.types import Evidence

    # Force every hard case into claims and quotes, whatever the verifier picked.
    tricky = "Claim & % $ # _ { } ~ ^ \\ with 中文, العربية, हिन्दी, ไทย and Ελληνικά"
    first = report.verdicts[0]
    quote = Evidence(first.claim.paper_id, 0, 0, 10, "引用 – عربي — हिन्दी ไทย α≤β", 0.5)
    verdicts = (
        replace(first, claim=replace(first.claim, text=tricky), evidence=(quote,)),
        *report.verdicts[1:],
    )
    tex = tmp_path / "report.tex"
    tex.write_text(render(replace(report, verdicts=verdicts), Format.TEX), encoding="utf-8")
    compile_tex(tex)
    import pymupdf

    text = "".join(page.get_text() for page in pymupdf.open(tmp_path / "report.pdf"))
    for fragment in ("& % $ # _ { } ~ ^ \\", "中文", "हिन्दी", "Ελληνικά"):
        assert fragment in text, f"{fragment!r} missing from the compiled PDF"
