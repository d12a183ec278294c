"""arXiv metadata and PDFs through the `arxiv` package, over synth's own HTTP session.

arxiv 4.x removed `Result.download_pdf()`; PDFs are downloaded from `result.pdf_url` here.
SEE: https://info.arxiv.org/help/api/tou.html (one request every 3 s).
"""

from __future__ import annotations

import logging
from pathlib import Path

import arxiv
import requests

from synth.core.errors import FetchError, NotFoundError, OfflineError
from synth.core.ids import PaperId, arxiv_id, paper_id, safe_filename
from synth.core.settings import FetchSettings
from synth.core.types import Paper, SourceKind
from synth.fetch.http import download
from synth.fetch.ratelimit import RateLimiter

log = logging.getLogger(__name__)


class ArxivClient:
    """One client per command: its rate limiter spaces every request to arXiv (API calls and
    PDF downloads) by `settings.delay_s`."""

    def __init__(
        self,
        session: requests.Session,
        settings: FetchSettings,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.session = session
        self.limiter = limiter or RateLimiter(settings.delay_s)
        self._client = arxiv.Client(
            page_size=100, delay_seconds=settings.delay_s, num_retries=settings.retries
        )
        # NOTE: arxiv.Client has no public hook for its session; sharing ours gives it the
        # offline guard, our user agent and the tests' replay adapter.
        self._client._session = session

    def metadata(self, ids: list[str]) -> list[tuple[Paper, str]]:
        """Look up arXiv ids; returns (paper, pdf_url) in the order asked.

        Raises:
            NotFoundError: arXiv has no record of one of the ids.
            OfflineError / FetchError: the API could not be reached or answered an error.
        """
        wanted = [arxiv_id(i) for i in ids]
        search = arxiv.Search(id_list=wanted, max_results=len(wanted))
        results = self._results(search, ", ".join(wanted))
        found: dict[str, tuple[Paper, str]] = {}
        for result in results:
            paper = _to_paper(result)
            short = result.get_short_id()
            found[short] = (paper, result.pdf_url or f"https://arxiv.org/pdf/{short}")
            found.setdefault(short.rsplit("v", 1)[0], found[short])
        out = []
        for identifier in wanted:
            if identifier not in found:
                raise NotFoundError(
                    f"arXiv has no paper {identifier}", hint="check the id on arxiv.org"
                )
            out.append(found[identifier])
        return out

    def lookup(self, ids: list[str]) -> list[tuple[Paper, str]]:
        """(paper, pdf_url) for the ids arXiv knows, in one request; unknown ids are left out
        (`metadata` is the strict variant)."""
        wanted = [arxiv_id(i) for i in ids]
        search = arxiv.Search(id_list=wanted, max_results=len(wanted))
        return [
            (_to_paper(r), r.pdf_url or f"https://arxiv.org/pdf/{r.get_short_id()}")
            for r in self._results(search, ", ".join(wanted))
        ]

    def search(self, query: str, max_results: int) -> list[tuple[Paper, str]]:
        """(paper, pdf_url) for an arXiv API query (`ti:`, `abs:`, `all:` fields), by relevance.

        Raises:
            OfflineError / FetchError: the API could not be reached or answered an error.
        """
        search = arxiv.Search(query=query, max_results=max_results)
        return [
            (_to_paper(r), r.pdf_url or f"https://arxiv.org/pdf/{r.get_short_id()}")
            for r in self._results(search, f"the query {query!r}")
        ]

    def _results(self, search: arxiv.Search, what: str) -> list[arxiv.Result]:
        self.limiter.wait()
        try:
            return list(self._client.results(search))
        except OfflineError:
            raise
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise OfflineError(
                f"could not reach the arXiv API for {what}: no network?",
                hint="retry when online, or register a local copy: "
                "synth add FILE.pdf --arxiv-id ID",
            ) from exc
        except arxiv.HTTPError as exc:
            raise FetchError(
                f"the arXiv API answered HTTP {exc.status} for {what}",
                hint="check the ids; arXiv rejects malformed ones with HTTP 400",
            ) from exc
        except arxiv.ArxivError as exc:
            raise FetchError(f"the arXiv API failed for {what}: {exc}") from exc

    def download_pdf(self, pid: PaperId, pdf_url: str, pdf_dir: Path) -> Path:
        dest = pdf_dir / (safe_filename(pid) + ".pdf")
        if dest.is_file():
            log.info("PDF of %s already cached", pid)
            return dest
        self.limiter.wait()
        return download(
            self.session, pdf_url, dest, timeout_s=self.settings.timeout_s, expect_prefix=b"%PDF"
        )


def _to_paper(result: arxiv.Result) -> Paper:
    return Paper(
        id=paper_id(result.get_short_id()),
        title=" ".join(result.title.split()),
        authors=tuple(a.name for a in result.authors),
        year=result.published.year if result.published else None,
        abstract=" ".join(result.summary.split()),
        source=SourceKind.ARXIV,
        url=result.entry_id,
    )
