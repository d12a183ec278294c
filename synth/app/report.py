"""`synth report` (a question -> a verified claims report) and `synth check` (one claim against
given sources): the stages in order, fed from the Context.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from synth.app import assist
from synth.app.context import Context
from synth.app.discover import Discovery, discover, traverse
from synth.app.library import library_papers, resolve_sources
from synth.app.verification import Verification, index_passages
from synth.core.console import NullProgress, Progress
from synth.core.errors import SynthError
from synth.core.ids import PaperId, display_id
from synth.core.types import (
    Claim,
    Paper,
    Passage,
    Report,
    SourceCheck,
    SourceKind,
    Verdict,
)
from synth.extract import claims as claim_rules
from synth.extract.rank import rank_candidates
from synth.render.compose import RunFacts, compose_report
from synth.retrieve.embed import CachedEncoder
from synth.retrieve.index import PassageIndex
from synth.retrieve.lexical import top_by_overlap
from synth.retrieve.select import select_papers
from synth.store.library import Library
from synth.synthesize.answer import compose_answer

log = logging.getLogger(__name__)

QUESTION_PASSAGES = 40  # passages retrieved for the question, whose sentences may be claims


def build_report(
    ctx: Context, question: str, sources: Sequence[str] = (), *, discover_n: int = 0
) -> Report:
    """Answer a research question: the whole pipeline, one Report out. The sources are the
    whole library (with `discover_n`, plus the best new papers of an arXiv search; with
    `discover.cite_depth`, plus papers reached through citations), or only `sources` (arXiv
    ids, PDF paths) when given. The run is recorded in the library."""
    if not question.strip():
        raise SynthError("the research question is empty", hint='pass --question "..."')
    params = {"question": question, "sources": list(sources), "discover": discover_n}
    sections = ("parse", "retrieve", "discover", "extract", "verify")
    ctx.prepare_models(verifier=True)
    with ctx.recorded_run("report", params, *sections):
        return _build_report(ctx, question, sources, discover_n)


def _build_report(ctx: Context, question: str, sources: Sequence[str], discover_n: int) -> Report:
    library, settings, progress = ctx.library, ctx.settings, ctx.progress
    found = Discovery()
    if sources:
        papers = resolve_sources(ctx, sources)
        encoder = ctx.encoder  # after the sources are read: a first run builds it meanwhile
        description = f"the {len(papers)} papers given"
        max_papers, margin = len(papers), 1.0  # the user chose them: keep all, best first
        selected = [p for p, _ in select_papers(question, papers, encoder, max_papers, margin)]
    else:
        if discover_n:
            discover(ctx, question, discover_n, found)
        max_papers, margin = settings.retrieve.max_papers, settings.retrieve.paper_margin
        papers = library_papers(ctx)
        encoder = ctx.encoder  # after the corpus is read: a first run builds it meanwhile
        progress.status(f"selecting papers for: {question}")
        selected = [p for p, _ in select_papers(question, papers, encoder, max_papers, margin)]
        depth = settings.discover.cite_depth
        if depth:
            traverse(ctx, question, selected, depth, max_papers, found)
            papers = library_papers(ctx)
            selected = [p for p, _ in select_papers(question, papers, encoder, max_papers, margin)]
        description = _library_description(papers)
    index = passage_index(library, encoder, [p.id for p in selected], progress)

    # claims: sentences of the passages closest to the question, in any section
    question_vector = encoder.queries([question])[0]
    hits = index.search(question_vector, QUESTION_PASSAGES)
    pages = [page for p in selected for page in library.pages(p.id)]
    extract = settings.extract
    notes: list[str] = []
    candidates = claim_rules.passage_candidates(pages, [h.passage for h in hits])
    if ctx.llm is not None and settings.llm.extract:
        passages = [h.passage for h in hits]
        extracted, note = assist.llm_claims(
            ctx, question, selected, pages, passages, extract.max_claims
        )
        notes.append(note)
        candidates = extracted or candidates  # the rules stand in when the model gave nothing
    ranked = rank_candidates(question, candidates, encoder)
    claims = [
        claim_rules.resolve_self_reference(c, display_id(c.paper_id or ""))
        for c in claim_rules.select(ranked, extract.max_claims, extract.max_per_paper)
    ]

    checks = check_sources(ctx, claims, selected)
    verdicts = [next(c.verdict for c in row if c.own) for row in checks]
    vectors = encoder.queries([c.text for c in claims]) if claims else np.zeros((0, encoder.dim))
    answer = compose_answer(verdicts, checks, vectors)
    opinions: tuple = ()
    if ctx.llm is not None and claims:
        answer, note = assist.llm_answer(ctx, question, verdicts, checks, answer)
        notes.append(note)
        if settings.llm.second_opinion:
            opinions, note = assist.second_opinions(ctx, verdicts, checks)
            notes.append(note)
    verifier = ctx.verifier_spec  # its name and description: loading it is for verifying
    facts = RunFacts(
        library_description=description,
        papers_considered=len(papers),
        encoder=encoder.model_id,
        passages_indexed=len(index),
        top_k=settings.verify.top_k,
        verifier=verifier.method,
        verifier_description=verifier.description,
        settings_fingerprint=settings.fingerprint(
            "parse", "retrieve", "discover", "extract", "verify"
        ),
        discovery=describe_discovery(found, selected) if not sources else "",
        llm_note=" ".join(notes),
    )
    report = compose_report(question, selected, verdicts, facts, checks=checks, answer=answer)
    return replace(report, second_opinions=opinions) if opinions else report


def check_sources(
    ctx: Context, claims: Sequence[Claim], papers: Sequence[Paper]
) -> list[tuple[SourceCheck, ...]]:
    """Each claim against each paper on its own: its own paper as `app.verification` checks a
    paper's own claims (the body, never the abstract or a restatement; – with the abstract
    alone), and every other selected paper. Rows follow `claims`, columns follow `papers`.

    Verdicts go through the library's verdict store, so a second report on the same question
    re-verifies nothing and loads no verifier."""
    service = Verification(ctx)
    rows: list[list[SourceCheck]] = [[] for _ in claims]
    for paper in ctx.progress.track(list(papers), "checking claims against each paper"):
        own = [i for i, c in enumerate(claims) if c.paper_id == paper.id]
        others = [i for i, c in enumerate(claims) if c.paper_id != paper.id]
        for group, is_own in ((own, True), (others, False)):
            checked = service.against([claims[i] for i in group], [paper], own=is_own)
            for i, (verdict, _) in zip(group, checked, strict=True):
                rows[i].append(SourceCheck(paper.id, verdict, own=is_own))
    order = {p.id: n for n, p in enumerate(papers)}
    return [tuple(sorted(row, key=lambda c: order[c.paper_id])) for row in rows]


def _library_description(papers: Sequence[Paper]) -> str:
    corpus = sum(p.source is SourceKind.CORPUS for p in papers)
    added = len(papers) - corpus
    if not added:
        return f"the library ({len(papers)} papers, all from the bundled corpus)"
    return (
        f"the library ({len(papers)} papers: {corpus} from the bundled corpus, {added} fetched "
        "or added)"
    )


def describe_discovery(found: Discovery, selected: Sequence[Paper]) -> str:
    """How the sources were found, with counts that add up to the papers selected ("" when
    no discovery was asked for)."""
    if not (found.queries or found.candidates or found.skipped or found.origin):
        return ""
    parts = []
    if found.queries:
        queries = "; ".join(f"`{q}`" for q in found.queries)
        parts.append(
            f"arXiv was searched with {len(found.queries)} "
            f"{'query' if len(found.queries) == 1 else 'queries'} ({queries}), giving "
            f"{found.candidates.get('search', 0)} candidates"
        )
    if "references" in found.candidates:
        parts.append(
            f"citation traversal considered {found.candidates['references']} referenced or "
            "citing papers"
        )
    fetched = len(found.origin)
    text = ""
    if parts:
        text = "; ".join(parts) + f"; {fetched} new papers were fetched"
        if found.failed:
            text += f" ({len(found.failed)} failed and were skipped)"
        text += ". "
    if found.skipped:
        text += found.skipped + ". "
    by_origin = {"search": 0, "references": 0, "cited by": 0, "library": 0}
    for paper in selected:
        by_origin[found.origin.get(paper.id, "library")] += 1
    shares = [f"{n} {_ORIGIN[origin][n == 1]}" for origin, n in by_origin.items() if n]
    papers = "paper" if len(selected) == 1 else "papers"
    return text + f"Of the {len(selected)} {papers} selected, " + ", ".join(shares) + "."


_ORIGIN = {  # (plural, singular)
    "search": ("came from the arXiv search", "came from the arXiv search"),
    "references": ("were reached through references", "was reached through references"),
    "cited by": ("were reached through papers citing them", "was reached through a citing paper"),
    "library": ("were already in the library", "was already in the library"),
}


def check_claim(ctx: Context, text: str, sources: Sequence[str]) -> Verdict:
    """Verify one claim against the given arXiv ids or PDF files (stored like every verdict,
    unless the passage budget left part of a source unsearched)."""
    if not any(ch.isalnum() for ch in text):  # blank, or only invisible and bidi characters
        raise SynthError(
            "the claim is empty (no letter or digit)",
            hint='pass the claim in quotes: synth check "…"',
        )
    if not sources:
        raise SynthError("no source to check the claim against", hint="add --source ID_OR_PDF")
    claim = Claim(id=claim_rules.claim_id(text), text=" ".join(text.split()))
    n = len(sources)
    ctx.prepare_models(verifier=True)
    ctx.progress.status(f"checking the claim against {n} source{'s' * (n != 1)}")
    papers = resolve_sources(ctx, sources)
    every = ctx.library.passages([p.id for p in papers])
    passages = _within_budget(ctx, claim.text, every)
    complete = len(passages) == len(every)
    ((verdict, _),) = Verification(ctx).against(
        [claim], papers, passages=None if complete else passages, store=complete
    )
    return verdict


def _within_budget(ctx: Context, claim: str, passages: list[Passage]) -> list[Passage]:
    """All passages already embedded, plus at most `verify.max_new_passages` new ones: those
    sharing most words with the claim. Embedding is what makes a huge source slow (a 500-page
    PDF: ~4,000 passages, minutes); the budget bounds one run, and each later run embeds the
    next best, so repeated checks cover the whole source."""
    budget = ctx.settings.verify.max_new_passages
    new = ctx.encoder.uncached([p.text for p in passages])
    if not budget or len(new) <= budget:
        return passages
    chosen = {new[i] for i in top_by_overlap(claim, [passages[i].text for i in new], budget)}
    new_set = set(new)
    ctx.progress.status(
        f"{len(passages):,} passages, {len(new):,} not embedded yet: embedding the {budget:,} "
        "sharing most words with the claim (verify.max_new_passages; rerun to search further)"
    )
    return [p for i, p in enumerate(passages) if i not in new_set or i in chosen]


def passage_index(
    library: Library,
    encoder: CachedEncoder,
    ids: Sequence[PaperId],
    progress: Progress = NullProgress(),
) -> PassageIndex:
    """The passages of these papers, embedded (through the cache) and indexed."""
    return index_passages(encoder, library.passages(ids), progress)
