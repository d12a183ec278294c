"""Reference lists -> entries with the identifiers they carry. Pure functions, no I/O.

A PDF's references are the text after its last "References" (or "Bibliography") heading,
split into entries at "[n]" / "n." markers, else at lines that start a new author list. Each
entry keeps its raw text and what can be read off it without the network: arXiv ids (new
style 2408.10536v1, old style hep-th/9901001), DOIs (10.48550/arXiv.* DOIs name arXiv ids),
and a title guess for a strict title search later. Nothing is guessed beyond that: an entry
with none of them stays unresolved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from synth.core.types import Page, Reference

# bounded repetitions: every pattern here runs on untrusted text in linear time
_ARXIV_NEW = re.compile(
    r"(?:arxiv[:\s./]{0,12}(?:abs/|pdf/)?|arxiv\.org/(?:abs|pdf)/)(\d{4}\.\d{4,5})(v\d{1,3})?",
    re.I,
)
_ARXIV_BARE = re.compile(r"(?<![\w./-])(\d{4}\.\d{4,5})(v\d{1,3})?(?![\w/])")
_ARXIV_OLD = re.compile(
    r"(?<![\w.])((?:astro-ph|cond-mat|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|nlin|nucl-ex"
    r"|nucl-th|physics|quant-ph|math|cs|q-bio|q-fin|stat)(?:\.[A-Z]{2})?/\d{7})(v\d{1,3})?",
)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]{1,200})", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(\d{4}\.\d{4,5}(?:v\d{1,3})?)$", re.I)
_HEADING = re.compile(
    r"^\s{0,8}(?:\d{1,2}\.?\s{1,4})?(references|bibliography)\s{0,8}$", re.I | re.M
)
_NUMBERED = re.compile(r"(?m)^\s{0,8}(?:\[(\d{1,4})\]|(\d{1,4})\.)\s{1,8}")
_QUOTED = re.compile(r"[“\"]([^”\"]{10,300})[”\"]")
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])\.\s{1,4}(?=[A-Z0-9“\"])")
_TRAILING_YEAR = re.compile(r",?\s{0,4}\(?(?:19|20)\d{2}[a-z]?\)?\.?$")


def recognise(position: int, raw: str, *, arxiv_id: str = "", doi: str = "") -> Reference:
    """What an entry names: ids given by the source win over ids read off the text."""
    text = " ".join(raw.split())
    found_doi = doi or _first(_DOI, text)
    if found_doi:
        found_doi = found_doi.rstrip(".,;)")
    found = arxiv_id or _arxiv_in(text)
    if not found and found_doi and (m := _ARXIV_DOI.match(found_doi)):
        found = m.group(1)
    return Reference(position, text, found or None, found_doi or None, guess_title(text))


def _first(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    return match.group(1) if match else ""


def _arxiv_in(text: str) -> str:
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        if match := pattern.search(text):
            return match.group(1) + (match.group(2) or "")
    if "arxiv" in text.lower() and (match := _ARXIV_BARE.search(text)):
        return match.group(1) + (match.group(2) or "")
    return ""


def guess_title(text: str) -> str | None:
    """The title of a reference: a quoted span, else the sentence after the author list."""
    if match := _QUOTED.search(text):
        return match.group(1).strip(" ,.")
    body = _NUMBERED.sub("", text, count=1)
    # sentences end at ". " unless the period closes an initial ("A. Author")
    parts = [p.strip() for p in _SENTENCE_END.split(body) if p.strip()]
    for part in parts[1:3]:  # authors first, then the title
        part = _TRAILING_YEAR.sub("", part).rstrip(". ")
        if len(part.split()) >= 3:
            return part
    return None


def split_entries(text: str) -> list[str]:
    """A reference section's text -> one string per entry."""
    marks = list(_NUMBERED.finditer(text))
    if len(marks) >= 2:
        bounds = [m.start() for m in marks] + [len(text)]
        entries = [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    else:  # unnumbered: an entry ends with a line ending in a period
        entries, current = [], []
        for line in text.splitlines():
            if line.strip():
                current.append(line.strip())
            if line.rstrip().endswith(".") and current:
                entries.append(" ".join(current))
                current = []
        if current:
            entries.append(" ".join(current))
    return [" ".join(e.split()) for e in entries if len(e.split()) >= 3]


def pdf_references(pages: Sequence[Page]) -> list[Reference]:
    """The references of a PDF's pages (text after the last References heading)."""
    text = "\n".join(page.text for page in pages)
    headings = list(_HEADING.finditer(text))
    if not headings:
        return []
    section = text[headings[-1].end() :]
    return [recognise(n, entry) for n, entry in enumerate(split_entries(section), start=1)]


def unarxive_references(record: dict) -> list[Reference]:
    """An unarXive record's `bib_entries`, with the ids unarXive resolved."""
    out = []
    for n, entry in enumerate(record.get("bib_entries", {}).values(), start=1):
        ids = entry.get("ids") or {}
        out.append(
            recognise(
                n,
                str(entry.get("bib_entry_raw", "")),
                arxiv_id=str(ids.get("arxiv_id") or "").strip(),
                doi=str(ids.get("doi") or "").strip(),
            )
        )
    return out
