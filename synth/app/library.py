"""Getting papers into the library (the bundled corpus, local PDFs, arXiv downloads), and the
one policy that turns a cited arXiv id into the source to check (`resolve_source`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from synth.app.context import Context
from synth.app.corpus_vectors import seed_corpus_vectors
from synth.core.errors import InvalidIdError, NotFoundError, OfflineError, SynthError
from synth.core.ids import PaperId, arxiv_id, paper_id, split_version
from synth.core.settings import ParseSettings
from synth.core.types import Paper, ParsedDoc, SourceKind, SourceRef
from synth.fetch import corpus
from synth.parse.chunk import chunk_doc, chunk_fingerprint
from synth.parse.pdf import parse_pdf
from synth.parse.text_sources import abstract_doc, unarxive_doc
from synth.retrieve.select import paper_text
from synth.store.library import Library


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


def ensure_corpus(ctx: Context) -> list[PaperId]:
    """Load the bundled corpus into the library (only what changed since the last time).
    Checked once per command: hashing the corpus files again for every reference is waste."""
    if ctx.corpus_ids is None:
        ctx.corpus_ids = _load_corpus(ctx)
    return list(ctx.corpus_ids)


def _load_corpus(ctx: Context) -> list[PaperId]:
    library, parse = ctx.library, ctx.settings.parse
    version = corpus.corpus_version() + chunk_fingerprint(parse)
    if library.get_meta("corpus_version") == version and (known := library.get_meta("corpus_ids")):
        return [PaperId(pid) for pid in json.loads(known)]
    docs: list[tuple[ParsedDoc, str]] = []
    for record in corpus.iter_abstract_records():
        docs.append((abstract_doc(record), _record_hash(record)))
    for record in corpus.iter_fulltext_records():
        docs.append((unarxive_doc(record), _record_hash(record)))
    ids = []
    for doc, digest in ctx.progress.track(docs, "loading the bundled corpus", total=len(docs)):
        # A full text the user fetched or added under the same id outranks a corpus abstract.
        pid = doc.paper.id
        if not (library.has(pid) and library.paper(pid).source != SourceKind.CORPUS):
            ingest(library, doc, digest, parse)
        ids.append(doc.paper.id)
    seed_corpus_vectors(ctx)
    library.set_meta("corpus_ids", json.dumps(ids))
    library.set_meta("corpus_version", version)
    return ids


def library_papers(ctx: Context) -> list[Paper]:
    """Every paper in the library (the bundled corpus loaded first), one copy per arXiv paper:
    its full text when there is one, else its newest stored version."""
    ensure_corpus(ctx)
    best: dict[str, Paper] = {}
    for paper in ctx.library.papers():
        base = split_version(paper.id)[0] if paper.id.startswith("arxiv:") else paper.id
        known = best.get(base)
        if known is None or (paper.has_full_text, paper.id) > (known.has_full_text, known.id):
            best[base] = paper
    return sorted(best.values(), key=lambda p: p.id)


def _record_hash(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_pdf(
    ctx: Context, path: Path, *, arxiv_id_: str | None = None, title: str | None = None
) -> Paper:
    """Parse a local PDF into the library, as `pdf:<hash>` or as the given arXiv id.

    Raises:
        NotFoundError: the file does not exist.
        ParseError: the file is not a readable PDF.
    """
    if path.is_dir():
        raise NotFoundError(
            f"{path} is a directory", hint=f"add the PDFs inside it: synth add {path}/*.pdf"
        )
    if not path.is_file():
        raise NotFoundError(f"{path} does not exist", hint="check the path and its spelling")
    library = ctx.library
    digest = _file_hash(path)
    pid = paper_id(arxiv_id_) if arxiv_id_ else PaperId(f"pdf:{digest[:16]}")
    if title is None and library.is_current(pid, digest, chunk_fingerprint(ctx.settings.parse)):
        return library.paper(pid)  # the same file, parsed and chunked the same way: done
    doc = parse_pdf(path, pid, title=title)
    if library.has(pid):  # keep metadata fetched earlier (title, authors, year)
        known = library.paper(pid)
        doc = replace(doc, paper=replace(known, has_full_text=True, source=SourceKind.PDF))
    else:
        doc = replace(doc, paper=replace(doc.paper, source=SourceKind.PDF))
    ingest(library, doc, digest, ctx.settings.parse, pdf_path=str(path.resolve()))
    return library.paper(pid)


@dataclass(frozen=True, slots=True)
class FetchOutcome:
    requested: str
    paper: Paper | None = None
    error: SynthError | None = None
    cached: bool = False


def fetch_papers(ctx: Context, ids: Sequence[str]) -> list[FetchOutcome]:
    """Download arXiv metadata and PDFs into the library (`synth fetch`); a stored full text of
    the id costs nothing. Each id succeeds or fails on its own."""
    outcomes = []
    for raw in ctx.progress.track(list(ids), "fetching from arXiv", total=len(ids)):
        try:
            pid = paper_id(arxiv_id(raw))
            cached = _stored_full_text(ctx.library, pid)
            if cached is not None:
                outcomes.append(FetchOutcome(raw, cached, cached=True))
            else:
                outcomes.append(FetchOutcome(raw, _download(ctx, pid)))
        except SynthError as exc:
            outcomes.append(FetchOutcome(raw, error=exc))
    return outcomes


def _stored_full_text(library: Library, pid: PaperId) -> Paper | None:
    """A stored full text for this id: the exact version, else (unversioned id) any version."""
    if library.has(pid) and library.paper(pid).has_full_text:
        return library.paper(pid)
    base, version = split_version(pid)
    if version is None:
        for paper in library.versions(PaperId(base)):
            if paper.has_full_text:
                return paper
    return None


def _download(ctx: Context, pid: PaperId) -> Paper:
    """Metadata and PDF of one arXiv id, parsed into the library.

    Raises:
        OfflineError: synth is offline (or lost the network earlier in this command).
        FetchError, ParseError: the download or the PDF failed.
    """
    short = pid.removeprefix("arxiv:")
    if not ctx.network.online:
        ensure_corpus(ctx)
        base = split_version(pid)[0]
        have = "only its abstract is" if ctx.library.versions(PaperId(base)) else "it is not"
        raise OfflineError(
            f"{have} in the library, and synth is offline",
            hint="run `synth fetch` with network, or register a local copy with "
            f"`synth add FILE.pdf --arxiv-id {short}`",
        )
    ((meta, pdf_url),) = ctx.arxiv.metadata([short])
    return download_paper(ctx, meta, pdf_url)


def download_paper(ctx: Context, meta: Paper, pdf_url: str) -> Paper:
    """The PDF of a paper whose arXiv metadata is known, parsed into the library."""
    pdf = ctx.arxiv.download_pdf(meta.id, pdf_url, ctx.home.ensure().pdfs)
    doc = parse_pdf(pdf, meta.id)
    doc = replace(doc, paper=replace(meta, has_full_text=True))
    ingest(ctx.library, doc, _file_hash(pdf), ctx.settings.parse, pdf_path=str(pdf))
    return ctx.library.paper(meta.id)


def resolve_source(ctx: Context, cited: str) -> SourceRef:
    """THE policy: a cited arXiv id -> the copy of it to check. Used by `synth report --arxiv`,
    `synth check --source` and `synth verify`.

    Preference: the cited version's full text; a full text of the same paper in another or no
    version; a download (online); its abstract in the bundled corpus. `checked` says which copy
    was used. When none is available, `paper` is None and `problem`/`hint` say why; one failed
    connection switches the rest of the command to the library only.
    """
    try:
        pid = paper_id(arxiv_id(cited))
    except InvalidIdError as exc:
        return SourceRef(cited, None, "", problem=exc.message, hint=exc.hint)
    ensure_corpus(ctx)  # the abstracts of the bundled corpus are a fallback
    base, version = split_version(pid)
    stored = sorted(
        ctx.library.versions(PaperId(base)),
        key=lambda p: (not p.has_full_text, p.id != pid, p.id != base, p.id),
    )
    best = stored[0] if stored else None
    if best is not None and (best.has_full_text or not ctx.network.online):
        return SourceRef(cited, best, _describe(best, version))
    if not ctx.network.online:
        return SourceRef(
            cited,
            None,
            "",
            problem="not in the library and synth is offline",
            hint=f"fetch it with `synth fetch {cited}` when online, or register a copy with "
            f"`synth add FILE.pdf --arxiv-id {base.removeprefix('arxiv:')}`",
        )
    try:
        downloaded = _download(ctx, pid)
    except SynthError as exc:
        if isinstance(exc, OfflineError):
            ctx.network.lost(exc)
        if best is not None:  # the download failed, the abstract is still there
            return SourceRef(cited, best, _describe(best, version))
        return SourceRef(cited, None, "", problem=exc.message, hint=exc.hint)
    return SourceRef(cited, downloaded, _describe(downloaded, version))


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


def resolve_sources(ctx: Context, sources: Sequence[str]) -> list[Paper]:
    """arXiv ids (as `resolve_source` finds them) and PDF paths -> papers in the library.

    Raises:
        SynthError: a source is unavailable (the first one, with its hint).
    """
    papers: list[Paper] = []
    for source in sources:
        path = Path(source)
        if path.suffix.lower() == ".pdf" or path.is_file():
            papers.append(add_pdf(ctx, path))
            continue
        ref = resolve_source(ctx, source)
        if ref.paper is None:
            raise SynthError(f"{source}: {ref.problem}", hint=ref.hint)
        papers.append(ref.paper)
    return papers


INDEX_GROUP = 25  # papers per step of `index_papers`: its progress and its memory


@dataclass(frozen=True, slots=True)
class IndexOutcome:
    papers: int
    passages: int
    embedded: int  # texts that had no vector before: passages, and papers' title + abstract


def index_papers(ctx: Context, sources: Sequence[str] = ()) -> IndexOutcome:
    """Embed now every passage of these sources (default: the whole library, the bundled
    corpus included) that has no vector yet, so that a later question embeds only itself.

    Some papers at a time (a library's passages need not fit in memory), each chunk cached
    as it is done: an interrupted run keeps what it embedded and the next goes on from there."""
    papers = resolve_sources(ctx, sources) if sources else library_papers(ctx)
    encoder, library = ctx.encoder, ctx.library
    groups = [papers[i : i + INDEX_GROUP] for i in range(0, len(papers), INDEX_GROUP)]
    passages = embedded = 0
    for group in ctx.progress.track(groups, "embedding the papers' passages", total=len(groups)):
        texts = [p.text for p in library.passages([paper.id for paper in group])]
        passages += len(texts)
        # the paper's own vector too (title and abstract), by which questions select papers
        embedded += encoder.embed_uncached(texts + [paper_text(paper) for paper in group])
    return IndexOutcome(len(papers), passages, embedded)
