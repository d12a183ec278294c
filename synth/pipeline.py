"""Thin orchestration of the stages for the CLI: fetch -> parse -> store -> retrieve ->
extract -> verify -> render. Each function takes settings sections and plain arguments, so it
is as usable from Python as from the command line.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import requests

from synth.core.console import NullProgress, Progress
from synth.core.errors import NotFoundError, OfflineError, SynthError
from synth.core.ids import PaperId, arxiv_id, paper_id, split_version
from synth.core.paths import Layout
from synth.core.runtime import use_bf16
from synth.core.settings import ParseSettings, Settings
from synth.core.types import Claim, Paper, ParsedDoc, Report, SourceKind, Verdict
from synth.extract import claims as claim_rules
from synth.extract.evidence import candidate_sentences
from synth.fetch import corpus
from synth.fetch.arxiv import ArxivClient
from synth.fetch.http import make_session
from synth.parse.chunk import chunk_doc
from synth.parse.pdf import parse_pdf
from synth.parse.text_sources import abstract_doc, unarxive_doc
from synth.render.compose import RunFacts, compose_report
from synth.retrieve.embed import CachedEncoder, load_embedder
from synth.retrieve.index import PassageIndex
from synth.retrieve.lareqa import evaluate_lareqa, load_lareqa
from synth.store.db import connect
from synth.store.embeddings import EmbeddingCache
from synth.store.library import Library
from synth.verify.verifier import SimilarityVerifier, Verifier

log = logging.getLogger(__name__)

# Bump when parsing or chunking changes what it produces: stored papers are then re-chunked.
PARSER_VERSION = 1


def chunk_fingerprint(settings: ParseSettings) -> str:
    blob = json.dumps([PARSER_VERSION, settings.model_dump()], sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def open_library(settings: Settings) -> Library:
    layout = Layout(settings.home).ensure()
    return Library(connect(layout.db))


def ingest(
    library: Library,
    doc: ParsedDoc,
    content_hash: str,
    settings: ParseSettings,
    *,
    pdf_path: str | None = None,
) -> bool:
    """Chunk and store a parsed document unless the same source is stored already.

    Returns whether anything was written.
    """
    fingerprint = chunk_fingerprint(settings)
    if library.is_current(doc.paper.id, content_hash, fingerprint):
        return False
    library.store(
        doc,
        chunk_doc(doc, settings),
        content_hash=content_hash,
        chunk_fingerprint=fingerprint,
        pdf_path=pdf_path,
    )
    return True


def ensure_corpus(
    library: Library, settings: ParseSettings, progress: Progress = NullProgress()
) -> list[PaperId]:
    """Load the bundled corpus into the library (only what changed since the last time)."""
    docs: list[tuple[ParsedDoc, str]] = []
    version = corpus.corpus_version() + chunk_fingerprint(settings)
    if library.get_meta("corpus_version") == version and (known := library.get_meta("corpus_ids")):
        return [PaperId(pid) for pid in json.loads(known)]
    for record in corpus.iter_abstract_records():
        docs.append((abstract_doc(record), _record_hash(record)))
    for record in corpus.iter_fulltext_records():
        docs.append((unarxive_doc(record), _record_hash(record)))
    ids = []
    for doc, digest in progress.track(docs, "loading the bundled corpus", total=len(docs)):
        # A full text the user fetched or added under the same id outranks a corpus abstract.
        pid = doc.paper.id
        if not (library.has(pid) and library.paper(pid).source != SourceKind.CORPUS):
            ingest(library, doc, digest, settings)
        ids.append(doc.paper.id)
    library.set_meta("corpus_ids", json.dumps(ids))
    library.set_meta("corpus_version", version)
    return ids


def _record_hash(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_pdf(
    library: Library,
    path: Path,
    settings: ParseSettings,
    *,
    arxiv_id_: str | None = None,
    title: str | None = None,
) -> Paper:
    """Parse a local PDF into the library, as `pdf:<hash>` or as the given arXiv id.

    Raises:
        NotFoundError: the file does not exist.
        ParseError: the file is not a readable PDF.
    """
    if not path.is_file():
        raise NotFoundError(f"{path} does not exist or is not a file")
    digest = _file_hash(path)
    pid = paper_id(arxiv_id_) if arxiv_id_ else PaperId(f"pdf:{digest[:16]}")
    doc = parse_pdf(path, pid, title=title)
    if library.has(pid):  # keep metadata fetched earlier (title, authors, year)
        known = library.paper(pid)
        doc = replace(doc, paper=replace(known, has_full_text=True, source=SourceKind.PDF))
    else:
        doc = replace(doc, paper=replace(doc.paper, source=SourceKind.PDF))
    ingest(library, doc, digest, settings, pdf_path=str(path.resolve()))
    return library.paper(pid)


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    requested: str
    paper: Paper | None = None
    error: SynthError | None = None
    cached: bool = False


def fetch_papers(
    library: Library,
    ids: Sequence[str],
    settings: Settings,
    session: requests.Session | None = None,
    progress: Progress = NullProgress(),
) -> list[FetchOutcome]:
    """Fetch arXiv metadata and PDFs into the library; each id succeeds or fails on its own."""
    layout = Layout(settings.home).ensure()
    outcomes: list[FetchOutcome] = []
    client: ArxivClient | None = None
    for raw in progress.track(list(ids), "fetching from arXiv", total=len(ids)):
        try:
            pid = paper_id(arxiv_id(raw))
            cached = _cached_full_text(library, pid)
            if cached is not None:
                outcomes.append(FetchOutcome(raw, cached, cached=True))
                continue
            if settings.fetch.offline:
                raise OfflineError(
                    f"{pid.removeprefix('arxiv:')} is not in the library and synth is offline",
                    hint="run `synth fetch` with network, or register a local copy with "
                    "`synth add FILE.pdf --arxiv-id ID`",
                )
            client = client or ArxivClient(session or make_session(settings.fetch), settings.fetch)
            ((meta, pdf_url),) = client.metadata([pid.removeprefix("arxiv:")])
            pdf = client.download_pdf(meta.id, pdf_url, layout.pdfs)
            doc = parse_pdf(pdf, meta.id)
            doc = replace(doc, paper=replace(meta, has_full_text=True))
            ingest(library, doc, _file_hash(pdf), settings.parse, pdf_path=str(pdf))
            outcomes.append(FetchOutcome(raw, library.paper(meta.id)))
        except SynthError as exc:
            outcomes.append(FetchOutcome(raw, error=exc))
    return outcomes


def _cached_full_text(library: Library, pid: PaperId) -> Paper | None:
    """A stored full text for this id: the exact version, else (unversioned id) any version."""
    if library.has(pid) and library.paper(pid).has_full_text:
        return library.paper(pid)
    base, version = split_version(pid)
    if version is None:
        for paper in library.versions(PaperId(base)):
            if paper.has_full_text:
                return paper
    return None


def cached_encoder(
    library: Library, settings: Settings, progress: Progress = NullProgress()
) -> CachedEncoder:
    """The configured retriever encoder, its passage vectors cached in the library."""
    models = settings.retrieve.model_dir or Layout(settings.home).models
    embedder = load_embedder(models, settings.retrieve, progress)
    return CachedEncoder(embedder, EmbeddingCache(library.conn, embedder.model_id))


def evaluate_retrieval(
    data_dir: Path,
    split: str,
    settings: Settings,
    *,
    limit: int | None = None,
    progress: Progress = NullProgress(),
) -> dict:
    """The LAReQA protocol (Mo / Cr / Mul, bias) for the configured encoder on a split.

    Candidate vectors go through the library's embedding cache, so re-evaluating the same
    model is cheap.
    """
    data = load_lareqa(data_dir)
    questions = data.questions_in(split)
    if limit:
        per_lang: dict[str, int] = {}
        kept = []
        for q in questions:
            per_lang[q.lang] = per_lang.get(q.lang, 0) + 1
            if per_lang[q.lang] <= limit:
                kept.append(q)
        questions = kept
    library = open_library(settings)
    encoder = cached_encoder(library, settings, progress)
    sentence_vectors = encoder.passages(
        [s.text for s in data.sentences], progress, description="embedding candidate sentences"
    )
    progress.status(f"embedding {len(questions)} questions")
    query_vectors = encoder.queries([q.text for q in questions])
    result = evaluate_lareqa(data, questions, query_vectors, sentence_vectors)
    result.update(
        {
            "model_id": encoder.model_id,
            "data": str(data_dir),
            "split": split,
            "articles": [data.articles(split)[0], data.articles(split)[-1]],
            "limit_per_language": limit,
        }
    )
    return result


def select_papers(
    question: str, papers: Sequence[Paper], encoder: CachedEncoder, max_papers: int, margin: float
) -> list[tuple[Paper, float]]:
    """Rank papers by question-to-(title + abstract) similarity; keep the close leaders."""
    if not papers:
        return []
    vectors = encoder.passages(
        [f"{p.title}. {p.abstract}" for p in papers], description="embedding abstracts"
    )
    scores = vectors @ encoder.queries([question])[0]
    order = np.argsort(-scores)
    best = float(scores[order[0]])
    return [(papers[i], float(scores[i])) for i in order[:max_papers] if scores[i] >= best - margin]


def build_report(
    question: str,
    settings: Settings,
    *,
    sources: Sequence[PaperId] | None = None,
    progress: Progress = NullProgress(),
    library: Library | None = None,
) -> Report:
    """Answer a research question from the library: the whole pipeline, one Report out.

    The run is recorded in the library's `runs` table with its outcome.
    """
    if not question.strip():
        raise SynthError("the research question is empty", hint='pass --question "..."')
    library = library or open_library(settings)
    fingerprint = settings.fingerprint("parse", "retrieve", "extract", "verify")
    run_id = library.start_run(
        "report", {"question": question, "sources": list(sources or [])}, fingerprint
    )
    try:
        report = _build_report(question, settings, sources, progress, library, fingerprint)
    except BaseException:
        library.finish_run(run_id, "failed")
        raise
    library.finish_run(run_id, "done")
    return report


def _build_report(
    question: str,
    settings: Settings,
    sources: Sequence[PaperId] | None,
    progress: Progress,
    library: Library,
    fingerprint: str,
) -> Report:
    if sources:
        papers = [library.paper(pid) for pid in sources]
        description = f"the {len(papers)} papers given"
    else:
        ids = ensure_corpus(library, settings.parse, progress)
        papers = [library.paper(pid) for pid in ids]
        description = f"the bundled corpus ({len(papers)} papers)"
    encoder = cached_encoder(library, settings, progress)

    progress.status(f"selecting papers for: {question}")
    if sources:
        selected = [p for p, _ in select_papers(question, papers, encoder, len(papers), 1.0)]
    else:
        selected = [
            p
            for p, _ in select_papers(
                question,
                papers,
                encoder,
                settings.retrieve.max_papers,
                settings.retrieve.paper_margin,
            )
        ]
    passages = library.passages([p.id for p in selected])
    vectors = encoder.passages([p.text for p in passages], progress)
    index = PassageIndex(passages, vectors)

    candidates = [c for p in selected for c in claim_rules.candidates(library.pages(p.id))]
    question_vector = encoder.queries([question])[0]
    relevance = (
        (
            encoder.passages([c.claim.text for c in candidates], description="ranking claims")
            @ question_vector
        )
        if candidates
        else np.zeros(0)
    )
    # Relevance to the question dominates; cue strength breaks near-ties.
    ranked = [
        c
        for _, c in sorted(
            zip(relevance, candidates, strict=True),
            key=lambda pair: -(pair[0] + 0.01 * pair[1].cue_score),
        )
    ]
    claims = claim_rules.select(ranked, settings.extract.max_claims, settings.extract.max_per_paper)

    verifier = make_verifier(settings, encoder, progress)
    verdicts = verify_claims(
        claims, library, index, encoder, verifier, settings.verify.top_k, progress
    )

    facts = RunFacts(
        library_description=description,
        papers_considered=len(papers),
        encoder=encoder.model_id,
        passages_indexed=len(index),
        top_k=settings.verify.top_k,
        verifier=verifier.method,
        verifier_description=verifier.description,
        settings_fingerprint=fingerprint,
    )
    return compose_report(question, selected, verdicts, facts)


def make_verifier(settings: Settings, encoder: CachedEncoder, progress: Progress) -> Verifier:
    """The verifier `settings.verify.model` names."""
    if settings.verify.model == "similarity":
        return SimilarityVerifier(encoder, settings.verify.max_quotes)
    from synth.verify.nli import load_nli_verifier

    models = settings.retrieve.model_dir or Layout(settings.home).models
    return load_nli_verifier(
        settings.verify.model,
        models,
        settings.retrieve,
        bf16=use_bf16(settings.retrieve.dtype),
        max_quotes=settings.verify.max_quotes,
        progress=progress,
        encoder=encoder,
    )


def verify_claims(
    claims: Sequence[Claim],
    library: Library,
    index: PassageIndex,
    encoder: CachedEncoder,
    verifier: Verifier,
    top_k: int,
    progress: Progress = NullProgress(),
) -> list[Verdict]:
    """Each claim against its top-k passages in `index` (never its own sentence)."""
    papers = {p.paper_id for p in index.passages}
    is_paragraph = {pid: not _has_pdf_pages(library, pid) for pid in papers}
    vectors = encoder.queries([c.text for c in claims]) if claims else np.zeros((0, 384))
    verdicts: list[Verdict] = []
    for claim, vector in progress.track(
        list(zip(claims, vectors, strict=True)), "verifying claims", total=len(claims)
    ):
        hits = index.search(vector, top_k)
        verdicts.append(verifier.verify(claim, candidate_sentences(claim, hits, is_paragraph)))
    return verdicts


def resolve_sources(
    library: Library,
    sources: Sequence[str],
    settings: Settings,
    progress: Progress = NullProgress(),
) -> list[PaperId]:
    """arXiv ids (fetched or cached) and PDF paths -> paper ids in the library."""
    ids: list[PaperId] = []
    for source in sources:
        path = Path(source)
        if path.suffix.lower() == ".pdf" or path.is_file():
            ids.append(add_pdf(library, path, settings.parse).id)
            continue
        (outcome,) = fetch_papers(library, [source], settings, progress=progress)
        if outcome.error:
            raise outcome.error
        ids.append(outcome.paper.id)
    return ids


def check_claim(
    text: str, sources: Sequence[str], settings: Settings, *, progress: Progress = NullProgress()
) -> Verdict:
    """Verify one claim against the given arXiv ids or PDF files."""
    if not text.strip():
        raise SynthError("the claim is empty", hint='pass the claim in quotes: synth check "…"')
    if not sources:
        raise SynthError("no source to check the claim against", hint="add --source ID_OR_PDF")
    library = open_library(settings)
    ids = resolve_sources(library, sources, settings, progress)
    encoder = cached_encoder(library, settings, progress)
    passages = library.passages(ids)
    index = PassageIndex(passages, encoder.passages([p.text for p in passages], progress))
    verifier = make_verifier(settings, encoder, progress)
    claim = Claim(id=claim_rules.claim_id(text), text=" ".join(text.split()))
    (verdict,) = verify_claims(
        [claim], library, index, encoder, verifier, settings.verify.top_k, progress
    )
    return verdict


def _has_pdf_pages(library: Library, pid: PaperId) -> bool:
    pages = library.pages(pid)
    return bool(pages) and not pages[0].is_paragraph
