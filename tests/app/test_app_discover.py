"""Discovery offline: arXiv search and title searches answered with hand-made Atom feeds,
PDFs made here whose reference lists hold an arXiv id, an old-style id, a DOI and title-only
entries; the fake embedder ranks, so the expected order can be read off the keywords."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import pytest

from synth.app.context import Context
from synth.app.discover import references_of, search, search_queries
from synth.app.report import build_report
from synth.core.settings import load_settings
from tests.conftest import FakeEmbedder, FakeVerifier

QUESTION = "Do sparse widgets improve retrieval accuracy?"
KEYWORDS = ["sparse", "widget", "retrieval", "accuracy", "cheese", "physics"]
PAPERS = {
    "2601.00001": ("Sparse widgets for retrieval", "Sparse widgets improve retrieval accuracy."),
    "2601.00002": ("Dense widgets", "Dense widgets are the baseline we all know."),
    "2601.00003": ("Cheese ageing", "Cheese ages in caves."),
    "2601.00004": ("Widgets and accuracy", "Widgets improve accuracy on benchmarks."),
    "2601.00005": ("Sparse widgets at scale", "Sparse widgets scale to large collections."),
    "2601.00006": ("Sparse widget caching for fast retrieval", "Caching sparse widget retrieval."),
    "hep-th/9901001": ("Old physics", "A physics paper from long ago."),
}
REFERENCES_OF_A = [
    "References",
    "[1] E. Author. Sparse widgets at scale. arXiv:2601.00005, 2026.",
    "[2] F. Author. Old physics. arXiv:hep-th/9901001, 1999.",
    "[3] Y. Author. A journal article on widgets. Nature, 2020. doi:10.1038/xyz123.",
    "[4] Z. Author. Sparse widget caching for fast retrieval. In Proc. W, 2026.",
    "[5] Q. Author. A title nobody has ever written. 2019.",
]
TITLE_SEARCHES = {
    'ti:"sparse widget caching for fast retrieval"': ["2601.00006"],
    'ti:"a journal article on widgets"': [],
    'ti:"a title nobody has ever written"': [],
}


def atom(ids: list[str]) -> bytes:
    entries = "".join(
        f"""<entry><id>http://arxiv.org/abs/{i}v1</id>
<title>{escape(PAPERS[i][0])}</title><summary>{escape(PAPERS[i][1])}</summary>
<published>2026-01-02T00:00:00Z</published><updated>2026-01-02T00:00:00Z</updated>
<link href="https://arxiv.org/abs/{i}v1" rel="alternate" type="text/html"/>
<link href="https://arxiv.org/pdf/{i}v1" rel="related" type="application/pdf" title="pdf"/>
<author><name>A. Author</name></author></entry>"""
        for i in ids
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom">'
        f"<opensearch:totalResults>{len(ids)}</opensearch:totalResults>"
        "<opensearch:startIndex>0</opensearch:startIndex>"
        f"<opensearch:itemsPerPage>{len(ids)}</opensearch:itemsPerPage>{entries}</feed>"
    ).encode()


class ArxivReplay:
    """Answers arXiv API requests by their query (search_query or id_list) and PDF URLs by
    path; anything else fails the test. Every request is recorded."""

    def __init__(self, searches: dict[str, list[str]], pdfs: dict[str, bytes]) -> None:
        self.searches, self.pdfs, self.seen = searches, pdfs, []

    def send(self, request, **kwargs):
        import requests

        self.seen.append(request.url)
        parts = urlsplit(request.url)
        if parts.path.endswith("/api/query"):
            params = parse_qs(parts.query)
            query = params.get("search_query", [""])[0]
            if query:
                if query not in self.searches:
                    raise AssertionError(f"unexpected search {query!r}")
                body = atom(self.searches[query])
            else:
                ids = [
                    i.split("v")[0] if "/" not in i else i for i in params["id_list"][0].split(",")
                ]
                body = atom([i for i in ids if i in PAPERS])
        else:
            key = parts.path.removeprefix("/pdf/").removesuffix("v1")
            if key not in self.pdfs:
                raise AssertionError(f"unexpected download {request.url}")
            body = self.pdfs[key]
        response = requests.Response()
        response.status_code, response._content, response.url = 200, body, request.url
        response.request = request
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def world(make_pdf, synth_home):
    """(make_context, replay): contexts share one home and one replayed arXiv."""
    from synth.fetch.http import make_session

    pdfs = {}
    for i, (title, abstract) in PAPERS.items():
        lines = [title, "Abstract", abstract, "1 Introduction", f"We study {title.lower()}."]
        if i == "2601.00001":
            lines += REFERENCES_OF_A
        name = i.replace("/", "_") + ".pdf"
        pdfs[i] = make_pdf([lines], title=title, name=name).read_bytes()
    queries = search_queries(QUESTION)
    searches = {queries[0]: ["2601.00001", "2601.00002", "2601.00003"]}
    searches[queries[1]] = ["2601.00001", "2601.00004"]
    replay = ArxivReplay({**searches, **TITLE_SEARCHES}, pdfs)

    def make_context(offline: bool = False, **overrides):
        settings = load_settings(
            synth_home,
            {"fetch.offline": offline, "fetch.delay_s": 0.0, "fetch.retries": 0, **overrides},
        )
        session = make_session(settings.fetch)
        if not offline:
            session.mount("https://", replay)
            session.mount("http://", replay)
        return Context(
            settings, embedder=FakeEmbedder(KEYWORDS), verifier=FakeVerifier(), session=session
        )

    return make_context, replay


def _downloads(replay) -> list[str]:
    return [u.rsplit("/", 1)[-1].removesuffix("v1") for u in replay.seen if "/pdf/" in u]


def test_queries_come_from_the_questions_content_words():
    assert search_queries(QUESTION) == [
        "all:sparse AND all:widgets AND all:improve AND all:retrieval",
        "abs:sparse AND abs:widgets AND abs:improve",
    ]


def test_search_merges_queries_ranks_by_the_retriever_and_is_cached(world):
    make_context, replay = world
    outcome = search(make_context(), QUESTION)
    assert [f.paper.id for f in outcome.found][:2] == ["arxiv:2601.00001v1", "arxiv:2601.00004v1"]
    assert outcome.found[-1].paper.title == "Cheese ageing"
    assert outcome.requests == 2
    again = search(make_context(), QUESTION)
    assert again.requests == 0 and len(replay.seen) == 2, "a rerun makes no request"


def test_references_resolve_by_id_doi_and_exact_title_and_never_by_guess(world):
    make_context, replay = world
    ctx = make_context()
    build_report(ctx, QUESTION, discover_n=1)  # fetches the best search result: paper A
    _, citations = references_of(make_context(), "2601.00001")
    got = [(c.reference.position, c.resolved, c.how) for c in citations]
    assert got == [
        (1, "arxiv:2601.00005", "arXiv id in the entry"),
        (2, "arxiv:hep-th/9901001", "arXiv id in the entry"),
        (3, None, "unresolved: no arXiv title matches exactly"),
        (4, "arxiv:2601.00006v1", "title search"),
        (5, None, "unresolved: no arXiv title matches exactly"),
    ]
    assert citations[2].reference.doi == "10.1038/xyz123"


def test_discover_and_traverse_fetch_the_best_papers_in_order_and_a_rerun_requests_nothing(
    world,
):
    make_context, replay = world
    ctx = make_context(**{"discover.cite_depth": 1, "retrieve.max_papers": 2})
    report = build_report(ctx, QUESTION, discover_n=3)
    # the search's three best new papers, then the references of the selected ones, by score
    assert _downloads(replay) == [
        "2601.00001",
        "2601.00004",
        "2601.00002",
        "2601.00006",
        "2601.00005",
    ]
    methodology = report.methodology
    assert "`all:sparse AND all:widgets AND all:improve AND all:retrieval`" in methodology
    assert f"Of the {len(report.papers)} paper" in methodology
    seen = len(replay.seen)
    build_report(
        make_context(**{"discover.cite_depth": 1, "retrieve.max_papers": 2}), QUESTION, discover_n=3
    )
    assert replay.seen[seen:] == [], "a rerun makes no request"


def test_offline_discovery_says_so_once_and_reports_from_the_library(world, caplog):
    make_context, replay = world
    report = build_report(make_context(offline=True), QUESTION, discover_n=3)
    assert replay.seen == []
    assert report.verdicts, "the bundled corpus still answers"
    assert "the arXiv search was skipped" in report.methodology
    assert caplog.text.count("arXiv search was skipped") == 1


@pytest.mark.live
def test_live_search_and_one_round_of_traversal(synth_home):
    from synth.app.discover import Discovery, traverse

    settings = load_settings(synth_home, {"retrieve.max_papers": 1})
    ctx = Context(settings, embedder=FakeEmbedder(["hybrid", "batch", "multilingual"]))
    outcome = search(ctx, "hybrid batch training multilingual retrieval", limit=3)
    assert outcome.found and outcome.requests >= 1
    log = Discovery()
    traverse(ctx, "hybrid batch training", [outcome.found[0].paper], 1, 1, log)
    assert "references" in log.candidates
