"""Batch re-verification without models: reference resolution, row handling, rendering.

The verifier is replaced by a stub here (its own tests live in tests/verify); the end-to-end
behaviour with the real models is in tests/cli/test_verify.py.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from synth import pipeline, recheck
from synth.core.settings import load_settings
from synth.core.types import Claim, Evidence, Label, Verdict
from synth.parse.claim_tables import read_report
from synth.render.recheck import Layout, render_checked

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
def settings(synth_home):
    return load_settings(synth_home, {"fetch.offline": True})


@pytest.fixture
def library(settings):
    library = pipeline.open_library(settings)
    pipeline.ensure_corpus(library, settings.parse)
    return library


def test_a_versioned_reference_falls_back_to_the_corpus_abstract_and_says_so(library, settings):
    ref = recheck.resolve_reference(
        library,
        "2408.10536v1",
        settings,
        network=recheck.Network(online=False),
    )
    assert ref.paper.id == "arxiv:2408.10536"
    assert ref.checked == (
        "2408.10536 (cited as v1; the library's copy records no version), "
        "abstract only (bundled corpus)"
    )


def test_an_unknown_reference_offline_is_unavailable_with_the_way_out(library, settings):
    ref = recheck.resolve_reference(
        library,
        "2501.00001v2",
        settings,
        network=recheck.Network(online=False),
    )
    assert ref.paper is None
    assert "offline" in ref.problem and "synth add FILE.pdf --arxiv-id 2501.00001" in ref.problem


def test_truncated_claims_are_checked_up_to_their_last_full_word():
    text = "The approach fine-tunes models using a mix of monolingual and cross-lingual pair b"
    assert recheck.checked_text(text, truncated=True).endswith("cross-lingual pair")
    assert recheck.checked_text("Short claim.", truncated=False) == "Short claim."
    complete = "XQuAD-R and MLQA-R have parallel questions in 11 languages and 7 languages,"
    assert recheck.checked_text(complete, truncated=True) == complete.rstrip(",")


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
    tmp_path, shared, library, settings, report_check
):
    report = read_report(shared / "seeds" / SEED)
    checked = recheck.check_report(
        report, library, StubChecker(library), settings, network=recheck.Network(online=False)
    )
    assert len(checked.rows) == 11
    out = tmp_path / "out.txt"
    out.write_text(render_checked([checked], Layout.TEXT), encoding="utf-8")
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
    tmp_path, shared, library, settings, report_check
):
    path = _seed_with(tmp_path, shared, ["Some claim.\t✓\t0.40"], refs=["2501.00001v1"])
    checker = StubChecker(library)
    checked = recheck.check_report(
        read_report(path), library, checker, settings, network=recheck.Network(online=False)
    )
    (row,) = checked.rows
    assert row.verdict is None and row.mark == "–" and "not available" in row.not_checked
    assert checker.calls == []
    out = tmp_path / "out.md"
    out.write_text(render_checked([checked], Layout.MD), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(report_check), str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
    assert "1 not checked" in result.stdout


def test_changes_list_each_flipped_mark_with_its_deciding_quote(
    tmp_path, shared, library, settings
):
    path = _seed_with(
        tmp_path,
        shared,
        [
            "Hybrid batch training also substantially reduces language bias in multilingual "
            "retrieval compared to monolingual training.\t×\t0.07",
            "The moon is made of cheese.\t✓\t0.90",
        ],
    )
    checked = recheck.check_report(
        read_report(path),
        library,
        StubChecker(library),
        settings,
        network=recheck.Network(online=False),
    )
    assert [(r.was, r.mark) for r in checked.changes] == [("×", "✓"), ("✓", "?")]
    text = render_checked([checked], Layout.MD)
    changes = text.split("## Changes")[1]
    assert "C1: × → ✓" in changes and "C2: ✓ → ?" in changes
    assert 'decided by "Hybrid batch training also substantially reduces' in changes
    assert "multi-reviewer" not in text  # the original's self-description is not repeated
    assert "assessment by several reviewers" in changes


def test_json_output_reads_back_with_the_new_marks(tmp_path, shared, library, settings):
    report = read_report(shared / "seeds" / SEED)
    checked = recheck.check_report(
        report, library, StubChecker(library), settings, network=recheck.Network(online=False)
    )
    path = tmp_path / "out.json"
    path.write_text(render_checked([checked], Layout.JSON), encoding="utf-8")
    again = read_report(path)
    assert [r.mark for r in again.rows] == [r.mark for r in checked.rows]
    assert again.references == report.references and again.question == report.question


def test_latex_output_compiles(tmp_path, shared, library, settings, compile_tex):
    report = read_report(shared / "seeds" / SEED)
    checked = recheck.check_report(
        report, library, StubChecker(library), settings, network=recheck.Network(online=False)
    )
    tex = tmp_path / "out.tex"
    tex.write_text(render_checked([checked], Layout.TEX), encoding="utf-8")
    assert compile_tex(tex).is_file()


def test_one_failed_connection_turns_the_network_off_and_the_abstract_is_used(synth_home):
    settings = load_settings(synth_home, {"fetch.retries": 0, "fetch.delay_s": 0})
    library = pipeline.open_library(settings)
    pipeline.ensure_corpus(library, settings.parse)
    network = recheck.Network(online=True)  # but sockets are blocked in tests
    first = recheck.resolve_reference(library, "2408.10536v1", settings, network=network)
    assert first.paper.id == "arxiv:2408.10536" and "abstract only" in first.checked
    assert network.online is False
    missing = recheck.resolve_reference(library, "2501.00001", settings, network=network)
    assert missing.paper is None and "offline" in missing.problem
