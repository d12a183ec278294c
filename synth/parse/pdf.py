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


# --- page images of quotes (the HTML report's evidence) -------------------------------------

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points, origin top-left


def _char_boxes(page) -> tuple[str, list[Box | None]]:
    """The page's text rebuilt from PyMuPDF's characters, in `get_text("text")` order (each
    line's characters, then a newline, which has no box), with one box per character."""
    text: list[str] = []
    boxes: list[Box | None] = []
    for block in page.get_text("rawdict")["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                for char in span["chars"]:
                    text.append(char["c"])
                    boxes.append(tuple(char["bbox"]))
            text.append("\n")
            boxes.append(None)
    return "".join(text), boxes


def _aligned(boxes: list[Box | None], rebuilt: str, page_text: str) -> list[Box | None]:
    """Boxes indexed by `page_text` offsets: the same list when the rebuilt text is the page
    text (the usual case), else mapped through the matching blocks of the two texts."""
    if rebuilt == page_text:
        return boxes
    import difflib

    out: list[Box | None] = [None] * len(page_text)
    matcher = difflib.SequenceMatcher(None, rebuilt, page_text, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        out[b : b + size] = boxes[a : a + size]
    return out


def quote_boxes(path: Path, page_index: int, page_text: str, start: int, end: int) -> list[Box]:
    """One box per line for the characters `page_text[start:end]` of a page of a PDF, where
    `page_text` is that page's text as stored (PyMuPDF's `get_text()`). [] when the file or
    page cannot be read or the characters have no boxes."""
    import pymupdf

    try:
        with pymupdf.open(path, filetype="pdf") as doc:
            rebuilt, boxes = _char_boxes(doc[page_index])
    except Exception as exc:  # a moved, changed or broken file: no picture, no failure
        log.warning("no page image for %s page %d (%s)", path, page_index + 1, exc)
        return []
    boxes = _aligned(boxes, rebuilt, page_text)[start:end]
    lines: list[list[float]] = []
    for box in boxes:
        if box is None:
            continue
        x0, y0, x1, y1 = box
        line = lines[-1] if lines else None
        if line and abs((y0 + y1) / 2 - (line[1] + line[3]) / 2) < (y1 - y0) * 0.5:
            line[0], line[1] = min(line[0], x0), min(line[1], y0)
            line[2], line[3] = max(line[2], x1), max(line[3], y1)
        else:
            lines.append([x0, y0, x1, y1])
    return [tuple(line) for line in lines]


def page_crop(
    path: Path, page_index: int, boxes: list[Box], *, dpi: int = 110, margin: float = 24.0
) -> tuple[bytes, tuple[float, float, float, float]]:
    """A PNG of the page region around `boxes` (full page width, `margin` points above and
    below), each box filled with translucent yellow; returns (png, clip rectangle in points).

    Raises:
        ParseError: the page cannot be rendered.
    """
    import pymupdf

    try:
        with pymupdf.open(path, filetype="pdf") as doc:
            page = doc[page_index]
            for x0, y0, x1, y1 in boxes:  # drawn in memory only; the file is never written
                page.draw_rect(
                    pymupdf.Rect(x0, y0, x1, y1), color=None, fill=(1, 0.85, 0), fill_opacity=0.5
                )
            top = max(page.rect.y0, min(b[1] for b in boxes) - margin)
            bottom = min(page.rect.y1, max(b[3] for b in boxes) + margin)
            clip = pymupdf.Rect(page.rect.x0, top, page.rect.x1, bottom)
            png = page.get_pixmap(dpi=dpi, clip=clip).tobytes("png")
    except Exception as exc:
        raise ParseError(f"page {page_index + 1} of {path} could not be rendered ({exc})") from exc
    return png, (clip.x0, clip.y0, clip.x1, clip.y1)
