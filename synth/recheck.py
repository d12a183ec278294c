"""Batch re-verification of existing claim tables: read -> resolve references -> verify each
row against its report's sources -> audit -> CheckedReport (rendered by render/recheck.py).

Verdicts are stored in the library per (claim text, checked sources' contents, models), each
committed as soon as it exists: a batch killed mid-way loses nothing, and a rerun reuses every
stored verdict without loading a model.
"""

from __future__ import annotations

import json
import logging
import os
import signal
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from synth import pipeline
from synth.core.console import NullProgress, Progress
from synth.core.errors import InvalidIdError, OfflineError, SynthError
from synth.core.ids import PaperId, arxiv_id, paper_id, split_version
from synth.core.settings import Settings
from synth.core.types import (
    CheckedReport,
    Claim,
    ClaimReport,
    Paper,
    RowCheck,
    SourceKind,
    SourceRef,
    Verdict,
)
from synth.extract.claims import claim_id
from synth.parse.claim_tables import read_reports
from synth.retrieve.embed import resolve_encoder
from synth.retrieve.index import PassageIndex
from synth.store.library import Library
from synth.store.verdicts import VerdictStore, verdict_key
from synth.verify import audit

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


# references ----------------------------------------------------------------------------------
@dataclass
class Network:
    """Whether to try arXiv. One failed connection turns it off for the rest of the batch, so
    a machine without network pays for one timeout, not one per reference."""

    online: bool

    def lost(self, error: SynthError) -> None:
        if self.online:
            log.warning("arXiv unreachable (%s); using the library only", error.message)
        self.online = False


def _describe(paper: Paper, cited_version: str | None) -> str:
    base, version = split_version(paper.id.removeprefix("arxiv:"))
    if paper.has_full_text:
        kind = "full text (local PDF)" if paper.source is SourceKind.PDF else "full text (arXiv)"
    else:
        kind = "abstract only (bundled corpus)"
    shown = base + (version or "")
    if cited_version and not version:
        shown += f" (cited as {cited_version}; the library's copy records no version)"
    elif cited_version and version != cited_version:
        shown += f" (cited as {cited_version})"
    return f"{shown}, {kind}"


def resolve_reference(
    library: Library,
    cited: str,
    settings: Settings,
    *,
    network: Network,
    progress: Progress = NullProgress(),
) -> SourceRef:
    """A cited arXiv id -> the best copy the library has (or can fetch).

    Preference: the cited version's full text; a full text of the same paper in another or no
    version; its abstract in the bundled corpus; a download (online only). A versioned id falls
    back to the unversioned entry, and `checked` says which one was used.
    """
    try:
        pid = paper_id(arxiv_id(cited))
    except InvalidIdError as exc:
        return SourceRef(cited, None, "", problem=exc.message)
    base, version = split_version(pid)
    stored = library.versions(PaperId(base))
    ranked = sorted(
        stored,
        key=lambda p: (not p.has_full_text, p.id != pid, p.id != base, p.id),
    )
    best = ranked[0] if ranked else None
    if best is not None and (best.has_full_text or not network.online):
        return SourceRef(cited, best, _describe(best, version))
    if network.online:
        (outcome,) = pipeline.fetch_papers(library, [cited], settings, progress=progress)
        if outcome.paper is not None:
            return SourceRef(cited, outcome.paper, _describe(outcome.paper, version))
        if isinstance(outcome.error, OfflineError):
            network.lost(outcome.error)
        if best is not None:  # the download failed, the abstract is still there
            return SourceRef(cited, best, _describe(best, version))
        return SourceRef(cited, None, "", problem=outcome.error.message)
    return SourceRef(
        cited,
        None,
        "",
        problem="not in the library and synth is offline (fetch it with `synth fetch "
        f"{cited}` when online, or register a copy with `synth add FILE.pdf --arxiv-id "
        f"{base.removeprefix('arxiv:')}`)",
    )


# claims ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Models:
    """Which encoder and verifier decide, identified from their files without loading them
    (hashing the deltas costs a second, so a batch does it once)."""

    encoder: str  # model id
    verifier: str  # id: method + hash of its files
    method: str
    description: str
    key: str  # everything that shapes a verdict besides the claim and its sources


def identify_models(settings: Settings) -> Models:
    if settings.verify.model == "similarity":
        from synth.verify.verifier import SimilarityVerifier

        verifier = method = SimilarityVerifier.method
        description = SimilarityVerifier.description
    else:
        from synth.verify.nli import describe_verifier, verifier_id

        verifier = verifier_id(settings.verify.model)
        method, description = describe_verifier(settings.verify.model)
    encoder, _, _ = resolve_encoder(settings.retrieve.model)
    key = json.dumps(
        [
            encoder,
            verifier,
            settings.verify.top_k,
            settings.verify.max_quotes,
            pipeline.chunk_fingerprint(settings.parse),
        ]
    )
    return Models(encoder, verifier, method, description, key)


class ClaimChecker:
    """Verifies claim texts against sets of papers, through the verdict store. The encoder
    and the verifier are loaded on the first claim that is not stored already."""

    def __init__(
        self,
        library: Library,
        settings: Settings,
        progress: Progress = NullProgress(),
        *,
        die_after: int | None = None,
    ) -> None:
        self.library, self.settings, self.progress = library, settings, progress
        self.store = VerdictStore(library.conn)
        self.models = identify_models(settings)
        self.die_after = die_after  # test-only: SIGKILL ourselves after this many new verdicts
        self.verified = 0
        self._loaded = None
        self._indexes: dict[tuple[PaperId, ...], PassageIndex] = {}

    def _load(self):
        if self._loaded is None:
            encoder = pipeline.cached_encoder(self.library, self.settings, self.progress)
            verifier = pipeline.make_verifier(self.settings, encoder, self.progress)
            self._loaded = encoder, verifier
        return self._loaded

    def _index(self, pids: tuple[PaperId, ...]) -> PassageIndex:
        if pids not in self._indexes:
            encoder, _ = self._load()
            passages = self.library.passages(pids)
            vectors = encoder.passages([p.text for p in passages])
            self._indexes[pids] = PassageIndex(passages, vectors)
        return self._indexes[pids]

    def check(self, text: str, papers: Sequence[Paper]) -> tuple[Verdict, bool]:
        """(verdict, came from the store)."""
        pids = tuple(sorted(p.id for p in papers))
        key = verdict_key(
            text, [(pid, self.library.content_hash(pid) or "") for pid in pids], self.models.key
        )
        if (stored := self.store.get(key)) is not None:
            return stored, True
        encoder, verifier = self._load()
        claim = Claim(id=claim_id(text), text=text)
        (verdict,) = pipeline.verify_claims(
            [claim], self.library, self._index(pids), encoder, verifier, self.settings.verify.top_k
        )
        self.store.put(key, verdict)
        self.verified += 1
        if self.die_after is not None and self.verified >= self.die_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return verdict, False


# reports -----------------------------------------------------------------------------------
def check_report(
    report: ClaimReport,
    library: Library,
    checker: ClaimChecker,
    settings: Settings,
    *,
    network: Network,
    models: Models | None = None,
    progress: Progress = NullProgress(),
) -> CheckedReport:
    refs = {
        cited: resolve_reference(library, cited, settings, network=network, progress=progress)
        for cited in dict.fromkeys(
            list(report.references) + [r for row in report.rows for r in row.references]
        )
    }
    rows = []
    for row in progress.track(report.rows, f"checking {report.path.name}", total=len(report.rows)):
        cited = row.references or report.references
        papers = [refs[c].paper for c in cited if refs[c].paper is not None]
        text = checked_text(row.text, row.truncated)
        if not cited:
            rows.append(RowCheck(row, None, text, not_checked="the report cites no source"))
        elif not papers:
            rows.append(
                RowCheck(
                    row,
                    None,
                    text,
                    not_checked="its sources are not available: "
                    + "; ".join(f"{c}: {refs[c].problem}" for c in cited),
                )
            )
        else:
            verdict, cached = checker.check(text, papers)
            rows.append(RowCheck(row, verdict, text, cached=cached))
    references = tuple(refs[c] for c in report.references) + tuple(
        ref for c, ref in refs.items() if c not in report.references
    )
    source_texts = [
        "\n".join(page.text for page in library.pages(ref.paper.id))
        for ref in references
        if ref.paper is not None
    ]
    findings = (
        audit.count_findings(report)
        + audit.reference_findings(references, rows)
        + audit.question_findings(report.question, source_texts)
        + audit.duplicate_findings([r.row.text for r in rows])
    )
    models = models or identify_models(settings)
    return CheckedReport(
        report,
        tuple(rows),
        references,
        tuple(findings),
        models.method,
        models.description,
        models.encoder,
    )


@dataclass
class BatchResult:
    reports: list[CheckedReport] = field(default_factory=list)
    failures: list[tuple[Path, str]] = field(default_factory=list)  # (file, one-line reason)
    models: Models | None = None

    def transitions(self) -> Counter[str]:
        return Counter(f"{r.was} → {r.mark}" for report in self.reports for r in report.rows)

    def summary(self) -> dict:
        rows = [r for report in self.reports for r in report.rows]
        return {
            "reports_read": len(self.reports),
            "reports_failed": [{"file": str(p), "error": e} for p, e in self.failures],
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
            "models": json.loads(self.models.key) if self.models else None,
        }


def check_batch(
    paths: Sequence[Path],
    settings: Settings,
    *,
    progress: Progress = NullProgress(),
    die_after: int | None = None,
    on_file: Callable[[Path, list[CheckedReport]], None] | None = None,
) -> BatchResult:
    """Re-verify every report in `paths`; a file that cannot be read is recorded and skipped.

    `on_file(path, checked_reports)` is called after each input file (the CLI writes its
    output there, so a killed batch keeps the files it finished).
    """
    files = collect_inputs(paths)
    library = pipeline.open_library(settings)
    pipeline.ensure_corpus(library, settings.parse, progress)
    network = Network(online=not settings.fetch.offline)
    checker = ClaimChecker(library, settings, progress, die_after=die_after)
    result = BatchResult(models=checker.models)
    run_id = library.start_run(
        "verify", {"inputs": [str(p) for p in paths]}, settings.fingerprint("retrieve", "verify")
    )
    try:
        for path in progress.track(files, "re-verifying reports", total=len(files)):
            try:
                reports = read_reports(path)
            except SynthError as exc:
                result.failures.append((path, exc.message))
                log.warning("%s", exc.message)
                continue
            checked = [
                check_report(
                    report,
                    library,
                    checker,
                    settings,
                    network=network,
                    models=checker.models,
                    progress=progress,
                )
                for report in reports
            ]
            result.reports.extend(checked)
            if on_file is not None:
                on_file(path, checked)
    except BaseException:
        library.finish_run(run_id, "failed")
        raise
    library.finish_run(run_id, "done")
    return result
