"""CheckedReport -> a re-verified report in the layout it came in (seed plain text, Markdown,
claim list) or as LaTeX / JSON.

The prose says what synth did; what the original said about its own process (searches,
reviewers, quality scores) is quoted under Changes, never repeated as fact. Every count in
the text is computed from the rows and references printed beside it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from synth import __version__
from synth.app.recheck.audit import process_statements
from synth.core.types import CheckedReport, Label, Mark, RowCheck
from synth.render.render import SCHEMA_VERSION, environment, md_escape


class TableLayout(StrEnum):
    TEXT = "text"  # the seeds' plain text: bare headings, tab-separated table
    MD = "md"
    TEX = "tex"
    JSON = "json"
    CSV = "csv"
    TSV = "tsv"
    JSONL = "jsonl"
    HTML = "html"


SUFFIX = {
    TableLayout.TEXT: ".txt",
    TableLayout.MD: ".md",
    TableLayout.TEX: ".tex",
    TableLayout.JSON: ".json",
    TableLayout.HTML: ".html",
    TableLayout.CSV: ".csv",
    TableLayout.TSV: ".tsv",
    TableLayout.JSONL: ".jsonl",
}
_SAME = {"text": TableLayout.TEXT, "markdown": TableLayout.MD, "json": TableLayout.JSON}


def layout_for(source_layout: str, requested: str | None) -> TableLayout:
    """`--format` if given, else the layout the report came in."""
    if requested:
        return TableLayout(requested)
    return _SAME.get(source_layout) or TableLayout(source_layout)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def confidence_cell(row: RowCheck) -> str:
    return f"{row.verdict.confidence:.2f}" if row.verdict else Mark.NOT_CHECKED.value


def tally(rows: tuple[RowCheck, ...]) -> str:
    n = {
        label: sum(r.verdict is not None and r.verdict.label is label for r in rows)
        for label in Label
    }
    unchecked = sum(r.verdict is None for r in rows)
    return (
        f"{n[Label.SUPPORTED]} supported (✓), {n[Label.CONTRADICTED]} contradicted (×), "
        f"{n[Label.NOT_ENOUGH_INFO]} without enough evidence (?), {unchecked} not checked (–)"
    )


def _quote_statement(sentence: str) -> str:
    # The original's statement about its own process, quoted verbatim: reported, not asserted.
    return f"“{sentence}”"


def view(checked: CheckedReport, today: date | None = None) -> dict[str, Any]:
    """Everything the templates print, as plain strings and lists."""
    src = checked.source
    rows = checked.rows
    refs = checked.references
    available = [r for r in refs if r.paper is not None]
    changes = checked.changes
    n_refs = len(refs)
    if len(available) == len(refs):
        retrieved = f"{_plural(n_refs, 'paper')} retrieved"
    else:
        retrieved = f"{_plural(n_refs, 'paper')} cited, {len(available)} of them available to check"
    n_findings = len(checked.findings)
    findings_line = (
        f"{_plural(n_findings, 'finding')} about the report itself (see Findings)."
        if n_findings
        else "No findings about the report itself."
    )
    results = (
        f"{retrieved}. {_plural(len(rows), 'claim')} extracted by the original report; "
        f"re-verified by synth: {tally(rows)}. {_plural(len(changes), 'mark')} changed. "
        + findings_line
    )
    sources = "; ".join(r.checked for r in available) or "none"
    methodology = (
        f"synth {__version__} re-verified every row of this report's claims table against the "
        f"report's own references, resolved in synth's library ({sources}). Each claim "
        "(a claim cut off by the original is checked up to its last complete word) was "
        f"searched in the passages of those sources with the encoder {checked.encoder}, and "
        f"its best candidate sentences were judged by the verifier {checked.method}: "
        f"{checked.method_description} The confidence is that verifier's probability that "
        "the sources support the claim; a claim whose sources were all unavailable is marked "
        "– (not checked) with no confidence. The report was also audited: its stated counts, "
        "its references, its research question's named terms against the sources' text, and "
        "near-duplicate claims. No human review took place."
    )
    limitations = (
        "This re-verification is automatic. It checks each claim only against the report's "
        "cited references as available to synth (an abstract alone cannot confirm what only "
        "the full text states, so such claims stay ?), and the verifier can be fooled by close "
        "paraphrases of different facts. Consult the quoted passages and the primary sources."
    )
    abstract = src.sections.get("Abstract") or (f"Re-verification of the claims list {src.title}.")
    introduction = src.sections.get("1 Introduction") or (
        f"Research question: {src.question}" if src.question else "No research question given."
    )
    process = [_quote_statement(s) for s in process_statements(src)]
    return {
        "title": src.title,
        "date": (today or date.today()).isoformat(),
        "original_date": src.date,
        "abstract": abstract,
        "introduction": introduction,
        "methodology": methodology,
        "results": results,
        "limitations": limitations,
        "rows": rows,
        "references": refs,
        "findings": checked.findings,
        "changes": changes,
        "process": process,
        "table_style": src.table_style,
        "version": __version__,
    }


def report_dict(checked: CheckedReport, today: date | None = None) -> dict[str, Any]:
    v = view(checked, today)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "reverified_report",
        "source": str(checked.source.path),
        "layout": checked.source.layout,
        "title": v["title"],
        "date": v["date"],
        "original_date": v["original_date"],
        "question": checked.source.question,
        "verifier": checked.method,
        "encoder": checked.encoder,
        "methodology": v["methodology"],
        "results": v["results"],
        "references": [
            {
                "cited": r.cited,
                "checked": r.checked or None,
                "paper_id": r.paper.id if r.paper else None,
                "problem": r.problem,
            }
            for r in checked.references
        ],
        "rows": [
            {
                "claim": r.row.text,
                "checked_text": r.checked_text,
                "truncated": r.row.truncated,
                "was": {"mark": r.row.mark, "confidence": r.row.confidence},
                "mark": r.mark,
                "confidence": r.verdict.confidence if r.verdict else None,
                "changed": r.changed,
                "not_checked": r.not_checked,
                "verdict": _verdict_dict(r),
            }
            for r in checked.rows
        ],
        "findings": [{"kind": f.kind, "message": f.message} for f in checked.findings],
        "original_process_statements": process_statements(checked.source),
    }


def _verdict_dict(row: RowCheck) -> dict[str, Any] | None:
    if row.verdict is None:
        return None
    data = asdict(row.verdict)
    data.pop("claim")
    for evidence, out in zip(row.verdict.evidence, data["evidence"], strict=True):
        out["location"] = evidence.location
    return data


def _claim_list(checked_reports: list[CheckedReport], layout: TableLayout) -> str:
    records = [
        {
            "report": c.source.title,
            "claim": r.row.text,
            "references": " ".join(r.row.references or c.source.references),
            "mark": r.mark,
            "confidence": f"{r.verdict.confidence:.4f}" if r.verdict else "",
            "label": r.verdict.label.value if r.verdict else "not_checked",
            "was_mark": r.row.mark or "",
            "was_confidence": "" if r.row.confidence is None else r.row.confidence,
            "evidence": " | ".join(
                f"{e.quote} ({e.paper_id}, {e.location})" for e in r.verdict.evidence
            )
            if r.verdict
            else (r.not_checked or ""),
        }
        for c in checked_reports
        for r in c.rows
    ]
    if layout is TableLayout.JSONL:
        return "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)
    out = io.StringIO()
    writer = csv.DictWriter(
        out,
        fieldnames=list(records[0]) if records else ["claim"],
        delimiter="\t" if layout is TableLayout.TSV else ",",
        lineterminator="\n",
    )
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def render_checked(
    checked_reports: list[CheckedReport],
    layout: TableLayout,
    templates: Path | None = None,
    today: date | None = None,
    quotes: dict | None = None,
) -> str:
    """One input file's re-verified reports (claim lists may hold several) -> file text; for
    HTML, `quotes` shows each quote (`app.quote_views`)."""
    if layout is TableLayout.HTML:
        from synth.render.render import html_page

        return html_page(
            "recheck.html.j2",
            templates,
            quotes or {},
            filters={"confidence": confidence_cell},
            reports=[view(c, today) for c in checked_reports],
        )
    if layout in (TableLayout.CSV, TableLayout.TSV, TableLayout.JSONL):
        return _claim_list(checked_reports, layout)
    if layout is TableLayout.JSON:
        data = [report_dict(c, today) for c in checked_reports]
        return json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2) + "\n"
    env = environment(templates)
    env.filters["confidence"] = confidence_cell
    if layout is not TableLayout.MD:  # the seeds' plain text is not Markdown: nothing to escape
        env.filters["quote"] = lambda value: " ".join(str(value).split())
        env.filters["text"] = str
    else:
        env.filters["text"] = md_escape
    name = "recheck.tex.j2" if layout is TableLayout.TEX else "recheck.md.j2"
    template = env.get_template(name)
    markdown = layout is TableLayout.MD
    return "\n".join(template.render(r=view(c, today), markdown=markdown) for c in checked_reports)
