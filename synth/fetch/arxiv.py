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

log = logging.getLogger(__name__)


class ArxivClient:
    def __init__(self, session: requests.Session, settings: FetchSettings) -> None:
        self.settings = settings
        self.session = session
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
        try:
            results = list(self._client.results(search))
        except OfflineError:
            raise
        except requests.exceptions.ConnectionError as exc:
            raise OfflineError(
                f"could not reach the arXiv API for {', '.join(wanted)}: no network?",
                hint="retry when online, or register a local copy: "
                "synth add FILE.pdf --arxiv-id ID",
            ) from exc
        except arxiv.HTTPError as exc:
            raise FetchError(
                f"the arXiv API answered HTTP {exc.status} for {', '.join(wanted)}",
                hint="check the ids; arXiv rejects malformed ones with HTTP 400",
            ) from exc
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

    def download_pdf(self, pid: PaperId, pdf_url: str, pdf_dir: Path) -> Path:
        dest = pdf_dir / (safe_filename(pid) + ".pdf")
        if dest.is_file():
            log.info("PDF of %s already cached", pid)
            return dest
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
