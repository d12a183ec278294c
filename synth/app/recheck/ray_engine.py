"""`synth verify … --engine ray`: the claims of many reports verified by Ray actors.

The driver (this process) stays the library's one writer. It reads the reports, resolves
their references exactly as the local engine does, and looks up every row's stored verdict;
what is not stored becomes one task per report: the claim texts and the resolved sources'
pages and passages, shipped with the task (nodes share no disk). Each actor loads the encoder
and the verifier once, keeps the sources it was sent in a library of its own, verifies with
the same service as the local engine (`app.verification`, nothing stored there) and returns
the verdicts; the driver stores each as it arrives. Then the batch runs as the local engine
runs it, every verdict now stored, so outputs and summary are the local engine's.

Nothing lost, nothing twice: an actor whose process dies is restarted and its task retried
(Ray's actor restarts and task retries); a driver killed mid-run keeps every verdict stored so
far, and a rerun sends only what is not stored.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from synth.app.context import Context
from synth.app.library import resolve_source
from synth.app.recheck.tables import read_reports
from synth.app.verification import Verification
from synth.core.console import NullProgress
from synth.core.errors import SynthError
from synth.core.types import Claim, Page, Paper, ParsedDoc, Passage, Verdict
from synth.extract.claims import claim_id

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Source:
    """A resolved source as shipped to a worker: everything verification reads of it."""

    paper: Paper
    pages: tuple[Page, ...]
    passages: tuple[Passage, ...]
    content_hash: str
    chunk_fingerprint: str


@dataclass(frozen=True, slots=True)
class Task:
    """One report's claims that have no stored verdict, with the sources they cite."""

    index: int
    claims: tuple[tuple[str, tuple[str, ...]], ...]  # (claim text, ids of its papers, sorted)
    sources: tuple[Source, ...]


class Worker:
    """What one Ray actor runs: a Context over a library of its own (the sources it is sent),
    the models loaded once, the verification service of the local engine."""

    def __init__(self, settings_json: str, models_dir: str | None) -> None:
        from synth.core.settings import Settings, default_home

        settings = Settings.model_validate_json(settings_json)
        home = Path(tempfile.mkdtemp(prefix="synth-worker-"))
        models = Path(models_dir) if models_dir else default_home() / "models"
        retrieve = settings.retrieve.model_copy(update={"model_dir": models})
        settings = settings.model_copy(update={"home": home, "retrieve": retrieve})
        self.ctx = Context(settings, NullProgress())
        self.service = Verification(self.ctx)

    def run(self, task: Task) -> tuple[int, list[Verdict]]:
        library = self.ctx.library
        for source in task.sources:
            if library.content_hash(source.paper.id) != source.content_hash:
                doc = ParsedDoc(paper=source.paper, pages=source.pages)
                library.store(
                    doc,
                    source.passages,
                    content_hash=source.content_hash,
                    chunk_fingerprint=source.chunk_fingerprint,
                )
        papers = {s.paper.id: s.paper for s in task.sources}
        verdicts = []
        for text, pids in task.claims:
            claim = Claim(id=claim_id(text), text=text)
            ((verdict, _),) = self.service.against([claim], [papers[p] for p in pids], store=False)
            verdicts.append(verdict)
        return task.index, verdicts


@dataclass
class Plan:
    tasks: list[Task]
    keys: list[list[str]]  # per task, the stored-verdict key of each claim


def plan(ctx: Context, files: Sequence[Path], check_text) -> Plan:
    """Every row without a stored verdict, as one task per report. `check_text` is the local
    engine's `checked_text` (what of a row is verified)."""
    service = Verification(ctx)
    tasks: list[Task] = []
    keys: list[list[str]] = []
    planned: set[str] = set()  # a claim checked against the same sources is sent once
    for path in files:
        try:
            reports = read_reports(path)
        except SynthError:
            continue  # the local pass reports it
        for report in reports:
            cited_ids = list(report.references) + [r for row in report.rows for r in row.references]
            refs = {c: resolve_source(ctx, c) for c in dict.fromkeys(cited_ids)}
            claims, task_keys, used = [], [], {}
            for row in report.rows:
                cited = row.references or report.references
                papers = sorted(
                    (refs[c].paper for c in cited if refs[c].paper is not None),
                    key=lambda p: p.id,
                )
                if not papers:
                    continue
                text = check_text(row.text, row.truncated)
                key = service.key(Claim(id=claim_id(text), text=text), papers)
                if key in planned or service.store.get(key) is not None:
                    continue
                planned.add(key)
                claims.append((text, tuple(p.id for p in papers)))
                task_keys.append(key)
                used.update({p.id: p for p in papers})
            if claims:
                sources = tuple(_source(ctx, paper) for paper in used.values())
                tasks.append(Task(len(tasks), tuple(claims), sources))
                keys.append(task_keys)
    return Plan(tasks, keys)


def _source(ctx: Context, paper: Paper) -> Source:
    library = ctx.library
    return Source(
        paper=paper,
        pages=tuple(library.pages(paper.id)),
        passages=tuple(library.passages([paper.id])),
        content_hash=library.content_hash(paper.id) or "",
        chunk_fingerprint=ctx.chunk_fingerprint,
    )


def verify_on_ray(
    ctx: Context,
    files: Sequence[Path],
    check_text,
    *,
    address: str | None,
    workers: int,
) -> set[str]:
    """Verify every row of `files` without a stored verdict on Ray and store the verdicts as
    they arrive; returns their keys (verified now, by this run). Without `address` a local
    Ray with `workers` worker processes starts and stops with the call; with one (e.g.
    "auto"), the running cluster is joined."""
    try:
        import ray
        from ray.util import ActorPool
    except ImportError as exc:
        raise SynthError(
            "--engine ray needs Ray", hint='pip install "synth[ray]" (or use --engine local)'
        ) from exc
    work = plan(ctx, files, check_text)
    if not work.tasks:
        return set()
    # Ray prints its own notices (a task retried after a worker died) on stdout: they belong
    # with synth's other notices on stderr, and stdout to the command's output (--json)
    with contextlib.redirect_stdout(sys.stderr):
        return _run(ctx, ray, ActorPool, work, address=address, workers=workers)


def _run(ctx: Context, ray, ActorPool, work: Plan, *, address: str | None, workers: int):
    store = Verification(ctx).store
    started = not ray.is_initialized()
    if started:
        if address:
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
        else:
            ray.init(
                num_cpus=workers,
                include_dashboard=False,
                logging_level=logging.ERROR,
                log_to_driver=False,
            )
    try:
        # one thread per actor: `workers` actors share the machine's cores
        settings = ctx.settings.model_copy(
            update={"retrieve": ctx.settings.retrieve.model_copy(update={"threads": 1})}
        )
        models = None if address else str(ctx.models_dir)  # a local cluster shares the disk
        actor = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=-1)(Worker)
        pool = ActorPool(
            [actor.remote(settings.model_dump_json(), models) for _ in range(max(1, workers))]
        )
        fresh: set[str] = set()
        results = pool.map_unordered(lambda a, task: a.run.remote(task), work.tasks)
        for index, verdicts in ctx.progress.track(
            results, "verifying reports on Ray", total=len(work.tasks)
        ):
            for key, verdict in zip(work.keys[index], verdicts, strict=True):
                store.put(key, verdict)
                fresh.add(key)
        return fresh
    finally:
        if started:
            ray.shutdown()
