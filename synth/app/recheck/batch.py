"""Batch re-verification of existing claim tables (`synth verify`): read -> resolve references
-> verify each row against its report's sources -> audit -> CheckedReport (rendered by
`recheck.render`).

Verdicts are stored in the library per (claim text, checked sources' contents, models), each
committed as soon as it exists: a batch killed mid-way loses nothing, and a rerun reuses every
stored verdict without loading a model.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from synth.app.context import Context
from synth.app.library import resolve_source
from synth.app.recheck import audit
from synth.app.recheck.tables import read_reports
from synth.app.verification import Verification
from synth.core.errors import SynthError
from synth.core.types import (
    CheckedReport,
    Claim,
    ClaimReport,
    Paper,
    RowCheck,
    SourceRef,
    Verdict,
)
from synth.extract.claims import claim_id

log = logging.getLogger(__name__)

REPORT_SUFFIXES = (".txt", ".md", ".markdown", ".json", ".csv", ".tsv", ".jsonl")


# inputs ------------------------------------------------------------------------------------
def collect_inputs(paths: Sequence[Path]) -> list[Path]:
    """Files as given; directories expanded to their report files (sorted, not recursive
    into hidden folders).

    Raises:
        SynthError: a path does not exist.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and p.suffix.lower() in REPORT_SUFFIXES
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise SynthError(f"{path} does not exist", hint="pass report files or directories")
    return files


def checked_text(text: str, truncated: bool) -> str:
    """What is verified: the row as given; when it was cut off inside a word, up to the last
    complete word (half a word is not a statement)."""
    text = " ".join(text.split())
    if truncated and " " in text:
        if text[-1].isalnum():  # cut inside (or right after) a word: it may be incomplete
            text = text.rsplit(" ", 1)[0]
        text = text.rstrip(",;:-– ")
    return text


# claims ------------------------------------------------------------------------------------
class ClaimChecker:
    """Verifies claim texts against sets of papers, through the verification service (the
    encoder and the verifier load on the first claim that is not stored already)."""

    def __init__(self, ctx: Context, fresh: frozenset[str] = frozenset()) -> None:
        self.service = Verification(ctx)
        # keys of verdicts this run computed elsewhere (Ray workers): the first row to use
        # one counts as verified now, as it would have been here
        self.fresh = set(fresh)

    def check(self, text: str, papers: Sequence[Paper]) -> tuple[Verdict, bool]:
        """(verdict, came from the store before this run)."""
        papers = sorted(papers, key=lambda p: p.id)
        claim = Claim(id=claim_id(text), text=text)
        ((verdict, cached),) = self.service.against([claim], papers)
        if cached and self.fresh:
            key = self.service.key(claim, papers)
            if key in self.fresh:
                self.fresh.discard(key)
                cached = False
        return verdict, cached


# reports -----------------------------------------------------------------------------------
def check_report(report: ClaimReport, ctx: Context, checker: ClaimChecker) -> CheckedReport:
    """One report: its references resolved, every row verified (or why not), its audit."""
    cited_ids = list(report.references) + [r for row in report.rows for r in row.references]
    refs = {cited: resolve_source(ctx, cited) for cited in dict.fromkeys(cited_ids)}
    rows = []
    track = ctx.progress.track(report.rows, f"checking {report.path.name}", total=len(report.rows))
    for row in track:
        cited = row.references or report.references
        papers = [refs[c].paper for c in cited if refs[c].paper is not None]
        text = checked_text(row.text, row.truncated)
        if not cited:
            rows.append(RowCheck(row, None, text, not_checked="the report cites no source"))
        elif not papers:
            why = "; ".join(f"{c}: {_unavailable(refs[c])}" for c in cited)
            rows.append(
                RowCheck(row, None, text, not_checked="its sources are not available: " + why)
            )
        else:
            verdict, cached = checker.check(text, papers)
            rows.append(RowCheck(row, verdict, text, cached=cached))
    references = tuple(refs[c] for c in report.references) + tuple(
        ref for c, ref in refs.items() if c not in report.references
    )
    source_texts = [
        "\n".join(page.text for page in ctx.library.pages(ref.paper.id))
        for ref in references
        if ref.paper is not None
    ]
    findings = (
        audit.count_findings(report)
        + audit.reference_findings(references, rows)
        + audit.question_findings(report.question, source_texts)
        + audit.duplicate_findings([r.row.text for r in rows])
    )
    spec = ctx.verifier_spec
    return CheckedReport(
        report,
        tuple(rows),
        references,
        tuple(findings),
        spec.method,
        spec.description,
        ctx.encoder_id,
    )


def _unavailable(ref: SourceRef) -> str:
    return f"{ref.problem} ({ref.hint})" if ref.hint else str(ref.problem)


@dataclass
class BatchResult:
    reports: list[CheckedReport] = field(default_factory=list)
    failures: list[tuple[Path, SynthError]] = field(default_factory=list)
    models: str = ""  # the stored verdicts' models key (JSON)

    def transitions(self) -> Counter[str]:
        return Counter(f"{r.was} → {r.mark}" for report in self.reports for r in report.rows)

    def summary(self) -> dict:
        rows = [r for report in self.reports for r in report.rows]
        return {
            "reports_read": len(self.reports),
            "reports_failed": [
                {"file": str(p), "error": e.message, "hint": e.hint} for p, e in self.failures
            ],
            "claims": len(rows),
            "claims_checked": sum(r.verdict is not None for r in rows),
            "verified_now": sum(r.verdict is not None and not r.cached for r in rows),
            "from_library": sum(r.cached for r in rows),
            "changed": sum(r.changed for r in rows),
            "transitions": dict(sorted(self.transitions().items())),
            "not_checked": [
                {"report": str(report.source.path), "claim": r.row.text, "why": r.not_checked}
                for report in self.reports
                for r in report.rows
                if r.verdict is None
            ],
            "findings": [
                {
                    "report": str(report.source.path),
                    "title": report.source.title,
                    "findings": [{"kind": f.kind, "message": f.message} for f in report.findings],
                }
                for report in self.reports
            ],
            "models": json.loads(self.models) if self.models else None,
        }


def check_batch(
    ctx: Context,
    paths: Sequence[Path],
    *,
    on_file: Callable[[Path, list[CheckedReport]], None] | None = None,
    engine: str = "local",
    address: str | None = None,
    workers: int = 2,
) -> BatchResult:
    """Re-verify every report in `paths`; a file that cannot be read is recorded and skipped.

    `on_file(path, checked_reports)` is called after each input file (the CLI writes its
    output there, so a killed batch keeps the files it finished). With `engine` "ray", the
    rows without a stored verdict are first verified by Ray actors (`recheck.ray_engine`;
    `address` joins a running cluster, else a local one with `workers` workers starts), then
    the batch runs as the local engine runs it.
    """
    files = collect_inputs(paths)  # the corpus loads when a reference is first resolved
    fresh: frozenset[str] = frozenset()
    if engine == "ray":
        from synth.app.recheck.ray_engine import verify_on_ray

        fresh = frozenset(verify_on_ray(ctx, files, checked_text, address=address, workers=workers))
    checker = ClaimChecker(ctx, fresh)  # models load (and build) only when a claim needs them
    result = BatchResult(models=ctx.verdict_models_key)
    params = {"inputs": [str(p) for p in paths]}
    with ctx.recorded_run("verify", params, "retrieve", "verify"):
        for path in ctx.progress.track(files, "re-verifying reports", total=len(files)):
            try:
                reports = read_reports(path)
            except SynthError as exc:
                result.failures.append((path, exc))
                log.info("skipped %s: %s", path, exc.message)
                continue
            checked = [check_report(report, ctx, checker) for report in reports]
            result.reports.extend(checked)
            if on_file is not None:
                on_file(path, checked)
    return result
