"""Finding the literature for a question: arXiv search (`synth search`, `--discover`), citation
traversal (`--cite-depth`), and a paper's resolved references (`synth refs`).

Every search is cached in the library with a time-to-live, so a rerun makes no request; every
request to arXiv goes through the Context's one client and its rate limiter. Offline, search
and traversal are skipped with one notice and the library is used as it is.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from synth.app.context import Context
from synth.app.library import download_paper, ensure_corpus
from synth.core.errors import NotFoundError, OfflineError, SynthError
from synth.core.ids import PaperId, arxiv_id, paper_id, split_version
from synth.core.types import Citation, Paper, SourceKind
from synth.retrieve.select import rank_papers

log = logging.getLogger(__name__)

_STOP = set(
    "a an the and or but of in on at to for from by with about into over under between how "
    "what which who whom why when where does do did is are was were be been being can could "
    "should would will may might must this that these those it its their there than then "
    "as such via using use used versus vs effect effects affect affects impact role".split()
)
_WORD = re.compile(r"[^\W_][\w\-]{1,40}", re.UNICODE)


# search --------------------------------------------------------------------------------------
def content_words(question: str) -> list[str]:
    """The question's content words, in order, without stopwords or repeats."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(question.lower()):
        if word not in _STOP and len(word) > 2:
            seen.setdefault(word, None)
    return list(seen)


def search_queries(question: str) -> list[str]:
    """arXiv API queries for a question: its first content words in any field (all must
    match), and the first three in the abstract (a looser net)."""
    words = [f'"{w}"' if "-" in w else w for w in content_words(question)]
    if not words:
        return []
    queries = [" AND ".join(f"all:{w}" for w in words[:4])]
    if len(words) > 3:
        queries.append(" AND ".join(f"abs:{w}" for w in words[:3]))
    return queries


@dataclass(frozen=True, slots=True)
class Found:
    """A paper found for a question, with its PDF address and where it was found."""

    paper: Paper
    pdf_url: str
    origin: str  # "search", "references", "cited by"
    score: float = 0.0


@dataclass
class SearchOutcome:
    queries: list[str]
    found: list[Found]  # ranked by the retriever, best first
    requests: int = 0  # API requests made (0 when every query came from the cache)


def search(
    ctx: Context, question: str, *, limit: int | None = None, query: str | None = None
) -> SearchOutcome:
    """arXiv search for a question (or one raw API `query`), merged over its queries and
    re-ranked by the retriever on title + abstract.

    Raises:
        OfflineError: a query is not cached and synth is offline.
        SynthError: the question has no content word.
    """
    queries = [query] if query else search_queries(question)
    if not queries:
        raise SynthError(
            "the question has no word to search for", hint='ask e.g. "hybrid batch training"'
        )
    per_query = limit or ctx.settings.discover.search_results
    merged: dict[str, tuple[Paper, str]] = {}
    requests = 0
    for q in queries:
        results, fetched = _cached_search(ctx, q, per_query)
        requests += fetched
        for paper, pdf_url in results:
            merged.setdefault(split_version(paper.id)[0], (paper, pdf_url))
    pairs = list(merged.values())
    ranked = rank_papers(question, [p for p, _ in pairs], ctx.encoder) if pairs else []
    pdf_of = {p.id: url for p, url in pairs}
    found = [Found(p, pdf_of[p.id], "search", score) for p, score in ranked]
    return SearchOutcome(queries, found[: limit or len(found)], requests)


def _cached_search(ctx: Context, query: str, n: int) -> tuple[list[tuple[Paper, str]], int]:
    return _cached(ctx, f"{query}|{n}", lambda: ctx.arxiv.search(query, n))


def _cached(ctx: Context, key: str, ask) -> tuple[list[tuple[Paper, str]], int]:
    """(results, requests made): from the library's search cache while fresh, else `ask()`."""
    cached = ctx.library.cached_search(key, ctx.settings.fetch.search_ttl_s, time.time())
    if cached is not None:
        return [(_paper_from(d), d["pdf_url"]) for d in cached], 0
    if not ctx.network.online:
        raise OfflineError(
            f"synth is offline and the arXiv request {key!r} is not cached",
            hint="search when online; the library's papers are used meanwhile",
        )
    try:
        results = ask()
    except OfflineError as exc:
        ctx.network.lost(exc)
        raise
    ctx.library.put_search(key, [_paper_dict(p, url) for p, url in results], time.time())
    return results, 1


def _paper_dict(paper: Paper, pdf_url: str) -> dict:
    return {
        "id": paper.id,
        "title": paper.title,
        "authors": list(paper.authors),
        "year": paper.year,
        "abstract": paper.abstract,
        "url": paper.url,
        "pdf_url": pdf_url,
    }


def _paper_from(data: dict) -> Paper:
    return Paper(
        id=PaperId(data["id"]),
        title=data["title"],
        authors=tuple(data.get("authors") or ()),
        year=data.get("year"),
        abstract=data.get("abstract") or "",
        source=SourceKind.ARXIV,
        url=data.get("url"),
    )


# fetching what was found ---------------------------------------------------------------------
@dataclass
class Discovery:
    """What discovery did, for the report's Methodology and the progress summary."""

    queries: list[str] = field(default_factory=list)
    candidates: dict[str, int] = field(default_factory=dict)  # origin -> papers considered
    origin: dict[PaperId, str] = field(default_factory=dict)  # fetched paper -> origin
    failed: list[tuple[str, str]] = field(default_factory=list)  # (id, why)
    skipped: str | None = None  # why discovery did not run (offline)


def _is_new(ctx: Context, paper: Paper) -> bool:
    """Not yet in the library as a full text (an abstract from the corpus may be upgraded)."""
    base, _ = split_version(paper.id)
    return not any(p.has_full_text for p in ctx.library.versions(PaperId(base)))


def fetch_found(ctx: Context, found: Sequence[Found], n: int, log_: Discovery) -> None:
    """Download those of the `n` best of `found` that the library lacks (so a rerun fetches
    nothing); a failure is reported and skipped."""
    fresh = [f for f in found[:n] if _is_new(ctx, f.paper)]
    for item in ctx.progress.track(fresh, f"fetching {len(fresh)} papers", total=len(fresh)):
        try:
            paper = download_paper(ctx, item.paper, item.pdf_url)
        except SynthError as exc:
            log.warning("%s: %s", item.paper.id, exc.message)
            log_.failed.append((item.paper.id, exc.message))
            if isinstance(exc, OfflineError):
                ctx.network.lost(exc)
                break
            continue
        log_.origin[paper.id] = item.origin


def discover(ctx: Context, question: str, n: int, log_: Discovery) -> None:
    """`--discover N`: search arXiv for the question and fetch the N best new papers."""
    if not ctx.network.online:
        _skip(log_, "synth is offline: the arXiv search was skipped; the library is used")
        return
    try:
        outcome = search(ctx, question)
    except OfflineError as exc:  # the lost connection was announced once already
        _skip(log_, f"arXiv could not be reached ({exc.message}); the library is used", False)
        return
    log_.queries.extend(outcome.queries)
    log_.candidates["search"] = len(outcome.found)
    fetch_found(ctx, outcome.found, n, log_)


def _skip(log_: Discovery, why: str, announce: bool = True) -> None:
    if log_.skipped is None:
        if announce:
            log.warning("%s", why)
        log_.skipped = why


# citations -----------------------------------------------------------------------------------
def references_of(ctx: Context, cited: str) -> tuple[Paper, list[Citation]]:
    """A paper's references and how each was resolved; entries with only a title are
    resolved by a strict arXiv title search when online.

    Raises:
        NotFoundError: the library has no such paper.
    """
    ensure_corpus(ctx)
    pid = paper_id(arxiv_id(cited)) if not cited.startswith("pdf:") else PaperId(cited)
    base, _ = split_version(pid)
    stored = ctx.library.versions(PaperId(base)) if pid.startswith("arxiv:") else []
    stored = [p for p in stored if p.id == pid] or stored
    if not stored and ctx.library.has(pid):
        stored = [ctx.library.paper(pid)]
    if not stored:
        raise NotFoundError(
            f"{cited} is not in the library",
            hint=f"fetch it first: synth fetch {cited} (or synth add FILE.pdf --arxiv-id ID)",
        )
    paper = max(stored, key=lambda p: (p.has_full_text, p.id))
    resolve_titles(ctx, paper.id)
    return paper, ctx.library.citations(paper.id)


def resolve_titles(ctx: Context, citing: PaperId) -> None:
    """Title-only references of `citing`, resolved through an arXiv title search that must
    match the title exactly (case, accents, punctuation and spacing aside)."""
    pending = [
        c
        for c in ctx.library.citations(citing)
        if c.resolved is None and c.reference.title and c.how.endswith("not yet searched")
    ]
    for citation in pending:
        if not ctx.network.online:
            return
        title = citation.reference.title or ""
        query = f'ti:"{_plain(title)}"'
        try:
            results, _ = _cached_search(ctx, query, 5)
        except OfflineError:
            return
        except SynthError as exc:
            log.warning("title search for %r failed: %s", title, exc.message)
            continue
        match = next((p for p, _ in results if _plain(p.title) == _plain(title)), None)
        if match is not None:
            ctx.library.resolve_citation(
                citing, citation.reference.position, match.id, "title search"
            )
        else:
            how = "unresolved: no arXiv title matches exactly"
            ctx.library.resolve_citation(citing, citation.reference.position, None, how)


def _plain(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def traverse(
    ctx: Context, question: str, start: Sequence[Paper], depth: int, n: int, log_: Discovery
) -> None:
    """`--cite-depth D`: D rounds of following the resolved references of the papers in hand
    (and the library's papers that cite them); all of them are ranked by the question and the
    `n` best are fetched where the library lacks them, then followed in the next round."""
    frontier = [p.id for p in start]
    for _ in range(depth):
        if not ctx.network.online:
            _skip(log_, "synth is offline: citation traversal was skipped; the library is used")
            return
        wanted: dict[str, str] = {}
        for pid in frontier:
            resolve_titles(ctx, pid)
            for citation in ctx.library.citations(pid):
                if citation.resolved is not None:
                    wanted.setdefault(split_version(citation.resolved)[0], "references")
            for citing in ctx.library.cited_by(pid):
                wanted.setdefault(split_version(citing)[0], "cited by")
        for pid in frontier:
            wanted.pop(split_version(pid)[0], None)
        found = _candidates(ctx, wanted, log_)
        log_.candidates["references"] = log_.candidates.get("references", 0) + len(found)
        ranked = rank_papers(question, [f.paper for f in found], ctx.encoder) if found else []
        by_id = {f.paper.id: f for f in found}
        best = [by_id[p.id] for p, _ in ranked][:n]
        fetch_found(ctx, best, n, log_)
        frontier = [f.paper.id for f in best]
        if not frontier:
            return


def _candidates(ctx: Context, wanted: dict[str, str], log_: Discovery) -> list[Found]:
    """Title and abstract of every wanted paper: the library's copy, else arXiv metadata
    (cached like searches, so a rerun asks nothing)."""
    out: list[Found] = []
    unknown = []
    for base, origin in wanted.items():
        stored = [p for p in ctx.library.versions(PaperId(base)) if p.abstract or p.title]
        if stored:
            paper = max(stored, key=lambda p: (p.has_full_text, p.id))
            out.append(Found(paper, "", origin))
        elif base.startswith("arxiv:"):
            unknown.append(base)
    ttl, now = ctx.settings.fetch.search_ttl_s, time.time()
    pending = []
    for base in unknown:  # each id's metadata is cached on its own: any later subset is free
        cached = ctx.library.cached_search(f"id:{base}", ttl, now)
        if cached is None:
            pending.append(base)
        for d in cached or []:
            out.append(Found(_paper_from(d), d["pdf_url"], wanted[base]))
    for start in range(0, len(pending), 50):
        batch = pending[start : start + 50]
        try:
            results = ctx.arxiv.lookup([i.removeprefix("arxiv:") for i in batch])
        except OfflineError as exc:
            ctx.network.lost(exc)
            return out
        except SynthError as exc:
            log_.failed.extend((i, exc.message) for i in batch)
            continue
        by_base = {split_version(p.id)[0]: (p, url) for p, url in results}
        for base in batch:
            hit = by_base.get(base)
            stored = [_paper_dict(*hit)] if hit else []  # unknown to arXiv: remembered too
            ctx.library.put_search(f"id:{base}", stored, time.time())
            if hit:
                out.append(Found(hit[0], hit[1], wanted[base]))
    return out
