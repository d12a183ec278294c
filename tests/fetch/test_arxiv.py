"""The arXiv fetcher against recorded API responses and PDFs made in the test."""

from __future__ import annotations

import json

import pytest

from synth.app.context import Context
from synth.app.library import fetch_papers
from synth.core.errors import FetchError, InvalidIdError, NotFoundError, OfflineError
from synth.core.settings import FetchSettings, load_settings
from synth.fetch.arxiv import ArxivClient
from synth.fetch.http import make_session
from tests.conftest import FIXTURES

API_1605 = (
    "https://export.arxiv.org/api/query?search_query=&id_list=1605.08386"
    "&sortBy=relevance&sortOrder=descending&start=0&max_results=100"
)
PDF_1605 = "https://arxiv.org/pdf/1605.08386v1"


def _client(session) -> ArxivClient:
    return ArxivClient(session, FetchSettings(delay_s=0.0, retries=0))


def test_metadata_maps_the_atom_entry_to_a_paper(replay):
    session, adapter = replay
    adapter.add_recorded("id_1605.08386_s0_m100_199195aa31ad.json")
    [(paper, pdf_url)] = _client(session).metadata(["1605.08386"])
    assert paper.id == "arxiv:1605.08386v1"
    assert paper.title.startswith("Heat-bath random walks with Markov bases")
    assert paper.authors and paper.year == 2016
    assert pdf_url == PDF_1605


def test_metadata_of_an_id_arxiv_does_not_know_is_not_found(replay):
    session, adapter = replay
    # arXiv's recorded answer (an empty feed) for an id it does not know
    recorded = "id_0000.0000_s0_m100_8b51d9633a68.json"
    url = json.loads((FIXTURES / "arxiv" / recorded).read_text())["url"]
    adapter.add_recorded(recorded, url=url.replace("0000.0000", "2501.99999"))
    with pytest.raises(NotFoundError, match="2501.99999"):
        _client(session).metadata(["2501.99999"])


def test_an_id_arxiv_never_issues_is_rejected_before_any_request(replay):
    session, adapter = replay
    with pytest.raises(InvalidIdError):
        _client(session).metadata(["0000.0000"])
    assert adapter.requests_seen == []


def test_http_error_from_the_api_becomes_a_fetch_error_with_a_hint(replay):
    session, adapter = replay
    adapter.add_recorded("id_abc_s0_m100_b79c8dcf6bc3.json", url=API_1605)
    with pytest.raises(FetchError) as info:
        _client(session).metadata(["1605.08386"])
    assert "400" in info.value.message and info.value.hint


def test_malformed_ids_are_rejected_before_any_request(replay):
    session, adapter = replay
    for bad in ("abc", "../../x", "2408.10536/../../etc"):
        with pytest.raises(InvalidIdError):
            _client(session).metadata([bad])
    assert adapter.requests_seen == []


def test_fetch_downloads_parses_and_stores_the_pdf(replay, make_pdf, synth_home):
    session, adapter = replay
    adapter.add_recorded("id_1605.08386_s0_m100_199195aa31ad.json")
    pdf = make_pdf(
        [
            ["Heat-bath random walks", "1 Introduction", "We study walks."],
            ["2 Results", "The walks mix fast."],
        ]
    )
    adapter.add(PDF_1605, pdf.read_bytes(), headers={"content-type": "application/pdf"})
    settings = load_settings(synth_home, {"fetch.delay_s": 0.0, "fetch.retries": 0})
    ctx = Context(settings, session=session)
    [outcome] = fetch_papers(ctx, ["1605.08386"])
    assert outcome.error is None and outcome.paper.has_full_text
    pages = ctx.library.pages(outcome.paper.id)
    assert [p.index for p in pages] == [0, 1]
    assert "The walks mix fast." in pages[1].text
    assert (synth_home / "pdfs" / "arxiv_1605.08386v1.pdf").is_file()


def test_a_second_fetch_hits_the_cache_and_makes_no_request(replay, make_pdf, synth_home):
    session, adapter = replay
    adapter.add_recorded("id_1605.08386_s0_m100_199195aa31ad.json")
    adapter.add(PDF_1605, make_pdf([["Some text on a page."]]).read_bytes())
    settings = load_settings(synth_home, {"fetch.delay_s": 0.0, "fetch.retries": 0})
    ctx = Context(settings, session=session)
    fetch_papers(ctx, ["1605.08386"])
    seen = len(adapter.requests_seen)
    [again] = fetch_papers(ctx, ["1605.08386v1"])
    assert again.cached and again.paper.id == "arxiv:1605.08386v1"
    assert len(adapter.requests_seen) == seen, "a cached paper must not be fetched again"


def test_offline_and_uncached_fails_per_id_with_a_hint(synth_home):
    settings = load_settings(synth_home, {"fetch.offline": True})
    [outcome] = fetch_papers(Context(settings), ["2408.10536"])
    assert isinstance(outcome.error, OfflineError)
    assert outcome.requested == "2408.10536"  # the CLI prints it before the message
    assert "offline" in outcome.error.message and "2408.10536" in outcome.error.hint


def test_the_offline_session_refuses_every_request():
    session = make_session(FetchSettings(offline=True))
    with pytest.raises(OfflineError):
        session.get("https://export.arxiv.org/api/query")


def test_an_unreachable_network_is_reported_as_offline(synth_home):
    # conftest blocks sockets, exactly like a machine with no network
    settings = load_settings(synth_home, {"fetch.delay_s": 0.0, "fetch.retries": 0})
    [outcome] = fetch_papers(Context(settings), ["2408.10536"])
    assert isinstance(outcome.error, OfflineError), outcome.error
    assert "2408.10536" in outcome.error.message


@pytest.mark.live
def test_live_fetch_of_a_small_real_paper(synth_home):
    settings = load_settings(synth_home)
    [outcome] = fetch_papers(Context(settings), ["1605.08386"])
    assert outcome.error is None and outcome.paper.has_full_text
