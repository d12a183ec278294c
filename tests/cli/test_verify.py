"""`synth verify` end to end, offline: seed-format reports whose references are PDFs made
here, registered with `synth add --arxiv-id`; real encoder, verifier, SQLite and templates."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from tests.cli.test_report import run_synth

pytestmark = pytest.mark.slow

PAPER_LINES = [
    "Hybrid Batches for Multilingual Retrieval",
    "We train a multilingual dense retriever with hybrid batches.",
    "Experiments are conducted on the XQuAD-R and MLQA-R datasets.",
    "Hybrid batch training substantially reduces language bias in multilingual retrieval.",
    "The learning rate is 3e-5 and the batch size is 100.",
    "Training takes four hours on one GPU.",
]
OTHER_LINES = [
    "Contrastive Losses for Sentence Scoring",
    "We study batch-softmax contrastive losses for pairwise sentence scoring tasks.",
    "The loss improves results on classification, ranking and regression tasks.",
]
SUPPORTED_MARKED_WRONG = "Experiments are conducted on the XQuAD-R and MLQA-R datasets."
UNSUPPORTED_MARKED_RIGHT = "The retriever is distilled from a 30B parameter teacher model."


def seed_report(rows: list[tuple[str, str, str]], refs: list[str], n_papers: int = 8) -> str:
    table = "\n".join("\t".join(row) for row in rows)
    references = "\n".join(f"- <http://arxiv.org/abs/{r}>" for r in refs)
    return f"""

Hybrid Batches and Language Bias in 30B Parameter Models

Assignee Research

July 6, 2026

Abstract

Some abstract.

1 Introduction

This paper examines: hybrid batches. Research question: Does hybrid batch training reduce language bias on BEIR?.

2 Methodology

Systematic literature search across multiple databases yielded {n_papers} papers. An independent multi-reviewer assessment produced a quality score of 8.0/10.

3 Results

{n_papers} papers retrieved. {len(rows) + 2} claims extracted; 9 independently verified.

4 Limitations

None.

5 Extracted Claims

Claim\tVerified\tConfidence
{table}

References

{references}
"""


@pytest.fixture
def env(synth_home, model_dir):
    return {"SYNTH_HOME": str(synth_home), "SYNTH_RETRIEVE__MODEL_DIR": str(model_dir)}


@pytest.fixture
def registered(make_pdf, env):
    """Two PDFs registered as the sources of two arXiv ids, as a user without network would."""
    for lines, name, pid in (
        (PAPER_LINES, "hybrid.pdf", "2401.00001"),
        (OTHER_LINES, "other.pdf", "2401.00002"),
    ):
        pdf = make_pdf([lines], title=lines[0], name=name)
        added = run_synth("-q", "add", str(pdf), "--arxiv-id", pid, env_extra=env)
        assert added.returncode == 0, added.stderr


def _verdict_rows(home) -> int:
    with sqlite3.connect(home / "library.sqlite") as conn:
        return conn.execute("SELECT count(*) FROM verdicts").fetchone()[0]


def test_wrong_marks_flip_with_the_quote_that_decides_them(tmp_path, env, registered, report_check):
    report = tmp_path / "reports" / "r1.txt"
    report.parent.mkdir()
    report.write_text(
        seed_report(
            [(SUPPORTED_MARKED_WRONG, "×", "0.07"), (UNSUPPORTED_MARKED_RIGHT, "✓", "0.41")],
            ["2401.00001v1", "2401.00002v1"],
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_synth(
        "-q", "--offline", "verify", str(report.parent), "-o", str(out), "--json", env_extra=env
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    # The supported claim flips to ✓; the unsupported one loses its ✓ (to ? or ×).
    flips = summary["transitions"]
    assert flips.get("× → ✓") == 1 and flips.get("✓ → ?", 0) + flips.get("✓ → ×", 0) == 1
    kinds = [f["kind"] for f in summary["findings"][0]["findings"]]
    assert "count_mismatch" in kinds and "unanswered_question" in kinds

    written = out / "r1.txt"
    check = subprocess.run(
        [sys.executable, str(report_check), str(written)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout
    text = written.read_text(encoding="utf-8")
    changes = text.split("\nChanges\n")[1]
    assert (
        f'C1: × → ✓ "{SUPPORTED_MARKED_WRONG}" — decided by "{SUPPORTED_MARKED_WRONG}"' in changes
    )
    assert f'C2: ✓ → ? "{UNSUPPORTED_MARKED_RIGHT}"' in changes or (
        f'C2: ✓ → × "{UNSUPPORTED_MARKED_RIGHT}"' in changes
    )
    assert "2401.00001 (cited as v1; the library's copy records no version), full text" in text

    fail = run_synth("-q", "--offline", "verify", str(report), "--fail-on-change", env_extra=env)
    assert fail.returncode == 3  # the same verdicts from the library, the same flips


# `synth` in a real process whose verdict store SIGKILLs it right after the Nth stored verdict,
# as a crash or `kill -9` would: synth itself has no hook for this.
DIE_AFTER_VERDICTS = """
import os, signal, sys
from synth.cli import main
from synth.store.verdicts import VerdictStore
put, stored = VerdictStore.put, []
def put_then_die(self, key, verdict):
    put(self, key, verdict)
    stored.append(key)
    if len(stored) >= int(os.environ["DIE_AFTER_VERDICTS"]):
        os.kill(os.getpid(), signal.SIGKILL)
VerdictStore.put = put_then_die
main(sys.argv[1:])
"""


def test_a_killed_batch_resumes_without_lost_or_repeated_rows(tmp_path, env, registered):
    claims = [*PAPER_LINES[1:], UNSUPPORTED_MARKED_RIGHT]
    reports = tmp_path / "reports"
    reports.mkdir()
    for n in range(2):
        rows = [("As reported, " + c[0].lower() + c[1:] if n else c, "✓", "0.30") for c in claims]
        (reports / f"r{n}.txt").write_text(seed_report(rows, ["2401.00001v1"]), encoding="utf-8")
    out = tmp_path / "out"
    args = ("-q", "--offline", "verify", str(reports), "-o", str(out), "--json")

    killed = subprocess.run(
        [sys.executable, "-c", DIE_AFTER_VERDICTS, *args],
        env={**os.environ, **env, "DIE_AFTER_VERDICTS": "8"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert killed.returncode == -9  # SIGKILL: no cleanup ran
    home = tmp_path / "synth-home"
    assert _verdict_rows(home) == 8
    assert sorted(p.name for p in out.iterdir()) == ["r0.txt"]  # the finished report only

    resumed = run_synth(*args, env_extra=env)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert (summary["from_library"], summary["verified_now"]) == (8, 2 * len(claims) - 8)
    assert _verdict_rows(home) == 2 * len(claims)
    for name in ("r0.txt", "r1.txt"):
        table = (out / name).read_text(encoding="utf-8").split("5 Extracted Claims")[1]
        rows = [line for line in table.split("References")[0].splitlines() if "\t" in line]
        assert len(rows) == len(claims) + 1  # header + each claim exactly once

    # Nothing changed: every verdict comes from the library and no model is even loaded
    # (an empty model directory stays empty).
    empty = tmp_path / "no-models"
    again = run_synth(*args, env_extra={**env, "SYNTH_RETRIEVE__MODEL_DIR": str(empty)})
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["verified_now"] == 0
    assert not empty.exists() or not any(empty.iterdir())


def test_an_unreadable_file_is_named_and_the_batch_goes_on(tmp_path, env, registered):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "a_broken.md").write_text("# Just a title\n\nNo claims here.\n", encoding="utf-8")
    (reports / "b_good.txt").write_text(
        seed_report([(SUPPORTED_MARKED_WRONG, "✓", "0.9")], ["2401.00001"]), encoding="utf-8"
    )
    result = run_synth("-q", "--offline", "verify", str(reports), env_extra=env)
    assert result.returncode == 1
    assert "a_broken.md: no '5 Extracted Claims' section" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("1 reports read, 1 claims")


def test_a_registered_full_text_replaces_the_abstract_and_reverifies_its_claims(
    tmp_path, env, make_pdf
):
    claim = "The mean average precision (mAP) is reported for XQuAD-R and MLQA-R."
    report = tmp_path / "r.txt"
    report.write_text(seed_report([(claim, "×", "0.11")], ["2408.10536v1"]), encoding="utf-8")
    args = ("-q", "--offline", "verify", str(report), "--json")

    before = run_synth(*args, env_extra=env)
    assert before.returncode == 0, before.stderr
    assert "× → ✓" not in json.loads(before.stdout)["transitions"]  # the abstract is silent

    pdf = make_pdf(
        [
            [
                "Synergistic Approach for Simultaneous Optimization of Monolingual,",
                "Cross-lingual, and Multilingual Information Retrieval",
                "We report the mean average precision (mAP) for XQuAD-R and MLQA-R.",
            ]
        ],
        name="full.pdf",
    )
    added = run_synth("-q", "add", str(pdf), "--arxiv-id", "2408.10536", env_extra=env)
    assert added.returncode == 0, added.stderr

    out = tmp_path / "out"
    after = run_synth(*args, "-o", str(out), env_extra=env)
    assert after.returncode == 0, after.stderr
    summary = json.loads(after.stdout)
    assert summary["transitions"] == {"× → ✓": 1} and summary["verified_now"] == 1
    text = (out / "r.txt").read_text(encoding="utf-8")
    assert "full text (local PDF)" in text
    assert "We report the mean average precision (mAP) for XQuAD-R and MLQA-R." in text
    assert "— arxiv:2408.10536, page 1, chars" in text


def test_the_seeds_re_verified_pass_the_format_check_and_keep_the_stated_claim_supported(
    tmp_path, shared, model_dir, report_check
):
    env = {"SYNTH_HOME": str(tmp_path / "home"), "SYNTH_RETRIEVE__MODEL_DIR": str(model_dir)}
    out = tmp_path / "out"
    result = run_synth(
        "-q", "--offline", "verify", str(shared / "seeds"), "-o", str(out), "--json", env_extra=env
    )
    assert result.returncode == 0, result.stderr
    written = sorted(out.iterdir())
    assert len(written) == 5
    for path in written:
        check = subprocess.run(
            [sys.executable, str(report_check), str(path)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout
    stated = "Experiments are conducted on XQuAD-R, MLQA-R, and MIRACL Datasets.\t✓\t"
    assert any(stated in path.read_text(encoding="utf-8") for path in written)
