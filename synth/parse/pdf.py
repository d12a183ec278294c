"""PDF -> ParsedDoc with PyMuPDF; the only module that imports it.

Each page's plain text is kept exactly as PyMuPDF returns it, so evidence offsets point into
text a reader can reproduce with `page.get_text()`. A page that fails or has no text layer is
skipped and reported; a file that cannot be opened at all raises ParseError.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from synth.core.errors import ParseError
from synth.core.ids import PaperId
from synth.core.types import Page, Paper, ParsedDoc
from synth.parse.references import pdf_references

log = logging.getLogger(__name__)

# A heading line: numbered ("3.1 Results", "IV. Method") or a well-known unnumbered one.
_HEADING = re.compile(
    r"^(?:(?:\d+(?:\.\d+)*\.?|[IVX]+\.)\s+[A-Z][^\n]{1,70}"
    r"|(?:Abstract|Introduction|Related Work|Background|Method(?:s|ology)?|Experiments?|Results"
    r"|Discussion|Conclusions?|Limitations|References|Acknowledge?ments?))$",
    re.MULTILINE,
)


def find_headings(text: str) -> tuple[tuple[int, str], ...]:
    out = []
    for match in _HEADING.finditer(text):
        line = match.group().strip()
        if len(line.split()) <= 10 and not line.endswith((".", ",", ";")):
            out.append((match.start(), line))
    return tuple(out)


MAX_TITLE_CHARS = 300
# control characters and bidi overrides/isolates: a title must not rewrite the terminal
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_title(text: str) -> str:
    """A title fit for terminals and reports: one line, no control or bidi-override
    characters, at most MAX_TITLE_CHARS (cut at a word, marked with …)."""
    text = " ".join(_UNSAFE.sub(" ", text).split())
    if len(text) > MAX_TITLE_CHARS:
        text = text[:MAX_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    return text


def parse_pdf(path: Path, paper_id: PaperId, *, title: str | None = None) -> ParsedDoc:
    """Read every page of a PDF.

    Raises:
        ParseError: the file is missing, not a PDF, truncated beyond repair, encrypted,
            has no pages, or has no text on any page.
    """
    import pymupdf

    try:
        doc = pymupdf.open(path, filetype="pdf")  # never guess: a .txt is not a paper
    except Exception as exc:  # PyMuPDF raises several types for broken files
        raise ParseError(
            f"{path} could not be opened as a PDF ({exc})",
            hint="check that the file is a complete PDF; re-download it if it came from arXiv",
        ) from exc
    with doc:
        if doc.needs_pass:
            raise ParseError(f"{path} is encrypted", hint="decrypt it first (e.g. qpdf --decrypt)")
        if doc.page_count == 0:
            raise ParseError(
                f"{path} has no pages", hint="the file holds no document; check where it came from"
            )
        pages: list[Page] = []
        failed: list[int] = []
        section: str | None = None
        for index in range(doc.page_count):
            try:
                text = doc[index].get_text("text")
            except Exception as exc:
                log.warning("page %d of %s could not be read (%s); skipped", index + 1, path, exc)
                failed.append(index)
                continue
            if not text.strip():
                log.warning("page %d of %s has no text layer; skipped", index + 1, path)
                failed.append(index)
                continue
            headings = find_headings(text)
            pages.append(Page(paper_id, index, text, section=section, headings=headings))
            if headings:
                section = headings[-1][1]
        if doc.is_repaired and failed:
            # A repaired file that lost pages is almost always a cut-off download.
            raise ParseError(
                f"{path} looks truncated or damaged: page(s) {[i + 1 for i in failed]} of "
                f"{doc.page_count} could not be recovered",
                hint="download the file again (synth fetch ID re-downloads after you delete it)",
            )
        if not pages:
            raise ParseError(
                f"{path} has no extractable text on any of its {doc.page_count} pages",
                hint="it may be a scan; run OCR (e.g. ocrmypdf) and add the result",
            )
        meta_title = (doc.metadata or {}).get("title") or ""
    first_line = next((ln.strip() for ln in pages[0].text.splitlines() if ln.strip()), path.stem)
    paper = Paper(
        id=paper_id,
        title=clean_title(title or meta_title.strip() or first_line),
        has_full_text=True,
    )
    return ParsedDoc(
        paper=paper,
        pages=tuple(pages),
        failed_pages=tuple(failed),
        references=tuple(pdf_references(pages)),
    )
