"""Reading existing claims tables: the five seeds, every layout, and fuzzed tables."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synth.app.recheck.tables import parse_row, read_report
from synth.core.errors import ParseError

SEED_TEMPLATE = """

{title}

Assignee Research

June 17, 2026

Abstract

Some abstract.

1 Introduction

This paper examines: X. Research question: Does it work?.

2 Methodology

Searched.

3 Results

8 papers retrieved. {n} claims extracted; 9 independently verified.

4 Limitations

None.

5 Extracted Claims

Claim\tVerified\tConfidence
{rows}

References

- <http://arxiv.org/abs/2408.10536v1>
- <http://arxiv.org/abs/2110.15725v1>
"""


def test_all_five_seeds_parse_to_eleven_claims_and_three_references(shared):
    seeds = sorted((shared / "seeds").iterdir())
    assert len(seeds) == 5
    for path in seeds:
        report = read_report(path)
        assert len(report.rows) == 11, path.name
        assert len(report.references) == 3 and all("v" in r for r in report.references)
        assert all(r.mark in {"✓", "×"} and 0 <= r.confidence <= 1 for r in report.rows)
        assert report.counts.claims_extracted == 11 and report.counts.papers_retrieved in (8, 9, 12)
        assert report.question and report.question.endswith("?")


def test_seed_marks_and_confidences_are_read_exactly(shared):
    report = read_report(shared / "seeds" / "001_215054e949253166.txt")
    second = report.rows[1]
    assert second.text == "Experiments are conducted on XQuAD-R, MLQA-R, and MIRACL Datasets."
    assert (second.mark, second.confidence, second.truncated) == ("×", 0.07, False)
    assert report.rows[0].truncated, "the first claim is cut at 120 characters"
    assert report.layout == "markdown" and report.date == "June 17, 2026"


def test_plain_text_seed_layout(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text(
        SEED_TEMPLATE.format(title="T", n=2, rows="A claim.\t✓\t0.41\nAnother claim.\t×\t0.07")
    )
    report = read_report(path)
    assert report.layout == "text" and report.title == "T"
    assert [(r.text, r.mark, r.confidence) for r in report.rows] == [
        ("A claim.", "✓", 0.41),
        ("Another claim.", "×", 0.07),
    ]
    assert report.references == ("2408.10536v1", "2110.15725v1")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("| A claim | ✓ | 0.41 |", ("A claim", "✓", 0.41)),
        ("A claim\t✓\t0.41", ("A claim", "✓", 0.41)),
        ("| A \\| piped claim | × | 0.2 |", ("A | piped claim", "×", 0.2)),
        ("A claim\twith a tab\t✓\t0.5", ("A claim\twith a tab", "✓", 0.5)),
        ("| A claim | supported | 0.9 |", ("A claim", "✓", 0.9)),
        ("| A claim | – | |", ("A claim", "–", None)),
        ("A claim only", ("A claim only", None, None)),
        ("| A claim | ✓ | 41% |", ("A claim", "✓", 0.41)),
    ],
    ids=[
        "pipe",
        "tab",
        "escaped-pipe",
        "tab-in-claim",
        "word-mark",
        "not-checked",
        "claim-only",
        "percent",
    ],
)
def test_rows_are_read_from_the_right(line, expected):
    row = parse_row(line)
    assert (row.text, row.mark, row.confidence) == expected


@pytest.mark.parametrize(
    "line",
    [
        "",
        "   ",
        "|---|---|---|",
        "Claim\tVerified\tConfidence",
        "| Claim | Verified | Confidence |",
    ],
    ids=["empty", "blank", "rule", "tab-header", "pipe-header"],
)
def test_headers_rules_and_blank_lines_are_not_rows(line):
    assert parse_row(line) is None


def test_synth_json_and_claim_lists(tmp_path):
    (tmp_path / "r.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "title": "T",
                "question": "Q?",
                "date": "2026-11-23",
                "papers": [{"id": "arxiv:2408.10536"}],
                "verdicts": [{"claim": {"text": "C."}, "mark": "✓", "confidence": 0.8}],
            }
        )
    )
    (tmp_path / "c.csv").write_text(
        "claim,references,mark,confidence\nC one.,2408.10536v1 2110.15725,×,0.1\n"
    )
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"claim": "C two.", "references": "http://arxiv.org/abs/2408.10536"}) + "\n"
    )
    as_json, as_csv, as_jsonl = (read_report(tmp_path / n) for n in ("r.json", "c.csv", "c.jsonl"))
    assert as_json.rows[0].mark == "✓" and as_json.references == ("2408.10536",)
    assert (
        as_csv.rows[0].references == ("2408.10536v1", "2110.15725") and as_csv.rows[0].mark == "×"
    )
    assert as_jsonl.rows[0].references == ("2408.10536",) and as_jsonl.rows[0].mark is None


def test_a_file_without_a_claims_table_names_itself_and_what_is_missing(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\nNothing here.\n")
    with pytest.raises(ParseError, match=r"notes\.md.*Extracted Claims"):
        read_report(path)


def test_crlf_and_non_utf8_bytes_are_read(tmp_path):
    text = SEED_TEMPLATE.format(title="Caf\xe9", n=1, rows="A claim.\t✓\t0.4").replace("\n", "\r\n")
    path = tmp_path / "r.txt"
    path.write_bytes(
        text.encode("utf-8").replace("Caf\xe9".encode(), b"Caf\xe9")
    )  # a stray latin-1 byte
    report = read_report(path)
    assert [r.text for r in report.rows] == ["A claim."] and report.title.startswith("Caf")


_claim_text = (
    st.text(
        st.characters(
            blacklist_categories=("Cs", "Cc"),
            blacklist_characters="|\t\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
        ),
        min_size=1,
        max_size=160,
    )
    .map(str.strip)
    .filter(lambda t: t and t.lower() != "claim" and not set(t) <= set("-: "))
)
_row = st.tuples(
    _claim_text, st.sampled_from(["✓", "×", "?"]), st.floats(0, 1).map(lambda x: round(x, 2))
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(_row, min_size=1, max_size=8),
    pipes=st.booleans(),
    crlf=st.booleans(),
    blank_lines=st.integers(0, 2),
    junk=st.sampled_from(["", "||", "\t\t", "| --- |"]),
)
def test_fuzzed_tables_never_crash_and_keep_every_well_formed_row(
    tmp_path, rows, pipes, crlf, blank_lines, junk
):
    sep = "\n" * (blank_lines + 1)
    lines = [f"| {c} | {m} | {v} |" if pipes else f"{c}\t{m}\t{v}" for c, m, v in rows]
    body = sep.join(lines + ([junk] if junk else []))
    text = SEED_TEMPLATE.format(title="T", n=len(rows), rows=body)
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / "fuzz.txt"
    path.write_text(text, encoding="utf-8")
    report = read_report(path)
    got = [(r.text, r.mark, r.confidence) for r in report.rows]
    assert got[: len(rows)] == [(c, m, v) for c, m, v in rows]


def test_a_claim_list_holds_one_report_per_value_of_its_report_column(tmp_path):
    from synth.app.recheck.tables import read_reports

    path = tmp_path / "claims.tsv"
    path.write_text(
        "report\tclaim\treferences\tmark\n"
        "A\tFirst claim.\t2408.10536\t✓\n"
        "B\tSecond claim.\t2110.15725v1\t×\n"
        "A\tThird claim.\t2408.10536 2506.15415\t?\n",
        encoding="utf-8",
    )
    a, b = read_reports(path)
    assert (a.title, [r.text for r in a.rows]) == ("A", ["First claim.", "Third claim."])
    assert a.references == ("2408.10536", "2506.15415") and b.references == ("2110.15725v1",)
