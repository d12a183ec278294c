"""Batch re-verification without models: reference resolution, row handling, rendering.

The checker is a stub here (the verifier's own tests live in tests/verify); the end-to-end
behaviour with the real models is in tests/cli/test_verify.py.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from markupsafe import escape

from synth.app.library import ensure_corpus, resolve_source
from synth.app.recheck.batch import check_report, checked_text
from synth.app.recheck.render import TableLayout, render_checked
from synth.app.recheck.tables import read_report
from synth.core.types import Claim, Evidence, Label, Verdict

SEED = "000_29c3c13b690ec539.txt"


class StubChecker:
    """Supports a claim when a sentence of its sources contains it word for word."""

    def __init__(self, library):
        self.library, self.calls = library, []

    def check(self, text, papers):
        self.calls.append(text)
        claim = Claim("c", text)
        for paper in papers:
            for page in self.library.pages(paper.id):
                start = page.text.find(text.rstrip("."))
                if start >= 0:
                    end = start + len(text.rstrip("."))
                    ev = Evidence(paper.id, page.index, start, end, page.text[start:end], 1.0)
                    return Verdict(claim, Label.SUPPORTED, 0.97, (ev,), "stub"), False
        return Verdict(claim, Label.NOT_ENOUGH_INFO, 0.1, (), "stub"), False


@pytest.fixture
def ctx(fake_context):
    ctx = fake_context(offline=True)
    ensure_corpus(ctx)
    return ctx


@pytest.fixture
def library(ctx):
    return ctx.library


def test_a_versioned_reference_falls_back_to_the_corpus_abstract_and_says_so(ctx):
    ref = resolve_source(ctx, "2408.10536v1")
    assert ref.paper.id == "arxiv:2408.10536"
    assert ref.checked == (
        "2408.10536 (cited as v1; the library's copy records no version), "
        "abstract only (bundled corpus)"
    )


def test_an_unknown_reference_offline_is_unavailable_with_the_way_out(ctx):
    ref = resolve_source(ctx, "2501.00001v2")
    assert ref.paper is None
    assert "offline" in ref.problem and "synth add FILE.pdf --arxiv-id 2501.00001" in ref.hint


def test_truncated_claims_are_checked_up_to_their_last_full_word():
    text = "The approach fine-tunes models using a mix of monolingual and cross-lingual pair b"
    assert checked_text(text, truncated=True).endswith("cross-lingual pair")
    assert checked_text("Short claim.", truncated=False) == "Short claim."
    complete = "XQuAD-R and MLQA-R have parallel questions in 11 languages and 7 languages,"
    assert checked_text(complete, truncated=True) == complete.rstrip(",")


def _seed_with(tmp_path, shared, rows, refs=None):
    text = (shared / "seeds" / SEED).read_text(encoding="utf-8")
    head, rest = text.split("Claim\tVerified\tConfidence\n")
    _, tail = rest.split("\nReferences\n")
    if refs is not None:
        tail = "\n" + "\n".join(f"- <http://arxiv.org/abs/{r}>" for r in refs) + "\n"
    path = tmp_path / "report.txt"
    path.write_text(
        head + "Claim\tVerified\tConfidence\n" + "\n".join(rows) + "\n\nReferences\n" + tail,
        encoding="utf-8",
    )
    return path


def test_a_checked_report_renders_in_the_seed_layout_and_passes_report_check(
    tmp_path, shared, ctx, library, report_check
):
    report = read_report(shared / "seeds" / SEED)
    checked = check_report(report, ctx, StubChecker(library))
    assert len(checked.rows) == 11
    out = tmp_path / "out.txt"
    out.write_text(render_checked([checked], TableLayout.TEXT), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(report_check), str(out), "--min-claims", "11"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
    text = out.read_text(encoding="utf-8")
    assert "3 papers retrieved" in text and "11 claims extracted" in text
    assert not text.lstrip().startswith("#")  # plain-text layout in, plain-text layout out
    kinds = {f.kind for f in checked.findings}
    assert {"count_mismatch", "unanswered_question"} <= kinds


def test_rows_without_available_sources_are_not_checked_and_never_guessed(
    tmp_path, shared, ctx, library, report_check
):
    rows = ["Some claim.\t✓\t0.40", "Another claim.\t×\t0.20"]
    path = _seed_with(tmp_path, shared, rows, refs=["2501.00001v1"])
    checker = StubChecker(library)
    checked = check_report(read_report(path), ctx, checker)
    assert [r.mark for r in checked.rows] == ["–", "–"]
    assert all(r.verdict is None and "not available" in r.not_checked for r in checked.rows)
    assert checker.calls == []
    out = tmp_path / "out.md"
    out.write_text(render_checked([checked], TableLayout.MD), encoding="utf-8")
    # NOTE: two rows, not one: report_check.py reads the first "N claims extracted" anywhere,
    # so with "1 claim extracted" it would read the original's statement quoted under Changes.
    result = subprocess.run(
        [sys.executable, str(report_check), str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    assert "2 not checked" in result.stdout


def test_changes_list_each_flipped_mark_with_its_deciding_quote(tmp_path, shared, ctx, library):
    path = _seed_with(
        tmp_path,
        shared,
        [
            "Hybrid batch training also substantially reduces language bias in multilingual "
            "retrieval compared to monolingual training.\t×\t0.07",
            "The moon is made of cheese.\t✓\t0.90",
        ],
    )
    checked = check_report(read_report(path), ctx, StubChecker(library))
    assert [(r.was, r.mark) for r in checked.changes] == [("×", "✓"), ("✓", "?")]
    text = render_checked([checked], TableLayout.MD)
    changes = text.split("## Changes")[1]
    assert "C1: × → ✓" in changes and "C2: ✓ → ?" in changes
    assert 'decided by "Hybrid batch training also substantially reduces' in changes
    # the original's self-description is quoted verbatim under Changes, never asserted
    assert "“An independent multi-reviewer assessment" in changes
    assert "multi-reviewer" not in text.split("## Changes")[0]


def test_json_output_reads_back_with_the_new_marks(tmp_path, shared, ctx, library):
    report = read_report(shared / "seeds" / SEED)
    checked = check_report(report, ctx, StubChecker(library))
    path = tmp_path / "out.json"
    path.write_text(render_checked([checked], TableLayout.JSON), encoding="utf-8")
    again = read_report(path)
    assert [r.mark for r in again.rows] == [r.mark for r in checked.rows]
    assert again.references == report.references and again.question == report.question


def test_latex_output_compiles(tmp_path, shared, ctx, library, compile_tex):
    report = read_report(shared / "seeds" / SEED)
    checked = check_report(report, ctx, StubChecker(library))
    tex = tmp_path / "out.tex"
    tex.write_text(render_checked([checked], TableLayout.TEX), encoding="utf-8")
    assert compile_tex(tex).is_file()


def test_html_output_has_every_row_linked_to_its_evidence_and_each_quote_shown(
    shared, ctx, library
):
    report = read_report(shared / "seeds" / SEED)
    checked = check_report(report, ctx, StubChecker(library))
    page = render_checked([checked], TableLayout.HTML)
    assert page.count("<script") == 1 and "Content-Security-Policy" in page
    for n in range(1, len(checked.rows) + 1):
        assert f'href="#r1-ev-C{n}"' in page and f'id="r1-ev-C{n}"' in page
    quotes = [e.quote for r in checked.rows if r.verdict for e in r.verdict.evidence]
    assert quotes and all(f"<mark>{escape(q)}</mark>" in page for q in quotes)


def test_one_failed_connection_turns_the_network_off_and_the_abstract_is_used(fake_context):
    ctx = fake_context(offline=False)  # online, but sockets are blocked in tests
    first = resolve_source(ctx, "2408.10536v1")
    assert first.paper.id == "arxiv:2408.10536" and "abstract only" in first.checked
    assert ctx.network.online is False
    missing = resolve_source(ctx, "2501.00001")
    assert missing.paper is None and "offline" in missing.problem


def _batch_inputs(tmp_path, shared):
    rows = [
        "Hybrid batch training also substantially reduces language bias in multilingual "
        "retrieval compared to monolingual training.\t×\t0.07",
        "The moon is made of cheese.\t✓\t0.90",
    ]
    return _seed_with(tmp_path, shared, rows, refs=["2408.10536"])


def test_a_rerun_takes_every_verdict_from_the_library_and_calls_no_verifier(
    tmp_path, shared, fake_context
):
    from synth.app.recheck.batch import check_batch

    path = _batch_inputs(tmp_path, shared)
    first = check_batch(fake_context(["hybrid", "bias", "cheese"]), [path])
    assert first.summary()["verified_now"] == 2
    again_ctx = fake_context(["hybrid", "bias", "cheese"])
    again = check_batch(again_ctx, [path])
    assert (again.summary()["from_library"], again.summary()["verified_now"]) == (2, 0)
    assert again_ctx.verifier.calls == []
    assert [r.mark for r in again.reports[0].rows] == [r.mark for r in first.reports[0].rows]


def test_stored_verdicts_are_keyed_by_the_verifier_code_version(synth_home, monkeypatch):
    from synth.app.context import Context
    from synth.core.settings import load_settings
    from synth.verify import registry
    from tests.conftest import FakeEmbedder

    settings = load_settings(synth_home, {"verify.model": "similarity"})
    before = Context(settings, embedder=FakeEmbedder()).verdict_models_key
    monkeypatch.setattr(registry, "CODE_VERSION", registry.CODE_VERSION + ".next")
    after = Context(settings, embedder=FakeEmbedder()).verdict_models_key
    assert before != after, "changed verifier code must verify stored claims again"


def test_an_unreadable_file_keeps_its_error_and_hint_and_the_batch_goes_on(
    tmp_path, shared, fake_context
):
    from synth.app.recheck.batch import check_batch

    good = _batch_inputs(tmp_path, shared)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = check_batch(fake_context(["hybrid"]), [bad, good])
    assert len(result.reports) == 1
    ((path, error),) = result.failures
    assert path == bad and error.message
    (failed,) = result.summary()["reports_failed"]
    assert failed["file"] == str(bad) and "hint" in failed
