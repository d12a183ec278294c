"""Sources without pages -> ParsedDoc: abstracts and the unarXive full texts of the corpus.

Each paragraph is one page unit. unarXive marks citations, formulas, figures and tables
with `{{kind:id}}` placeholders; they are resolved here, once, at ingest, so no stored text or
quote ever contains one: citations become `[n]` (n = position in the paper's bibliography),
formulas their LaTeX source between `$…$` (long ones `[formula]`), figures and tables
`[figure]` / `[table]`.
"""

from __future__ import annotations

import re
from typing import Any

from synth.core.ids import paper_id
from synth.core.types import Page, Paper, ParsedDoc, SourceKind
from synth.parse.references import unarxive_references

_PLACEHOLDER = re.compile(r"\{\{(\w+):([^}]*)\}\}")
MAX_INLINE_FORMULA = 60


def resolve_placeholders(text: str, bib_order: dict[str, int], refs: dict[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        kind, key = match.group(1), match.group(2)
        if kind == "cite":
            return f"[{bib_order[key]}]" if key in bib_order else "[?]"
        if kind == "formula":
            latex = " ".join(str(refs.get(key, {}).get("latex", "")).split())
            return f"${latex}$" if latex and len(latex) <= MAX_INLINE_FORMULA else "[formula]"
        return f"[{kind}]"

    return _PLACEHOLDER.sub(replace, text)


def _clean(text: str) -> str:
    return " ".join(text.split())


def abstract_doc(record: dict[str, Any]) -> ParsedDoc:
    """A seed-refs record (id, title, authors, year, abstract) -> one-paragraph document."""
    pid = paper_id(record["id"])
    abstract = _clean(record["abstract"])
    paper = Paper(
        id=pid,
        title=_clean(record["title"]),
        authors=tuple(record.get("authors", ())),
        year=record.get("year"),
        abstract=abstract,
        source=SourceKind.CORPUS,
        license="CC0-1.0 (arXiv metadata)",
        has_full_text=False,
    )
    page = Page(pid, 0, abstract, section="Abstract", is_paragraph=True)
    return ParsedDoc(paper=paper, pages=(page,))


def unarxive_doc(record: dict[str, Any]) -> ParsedDoc:
    """An unarXive paper record -> abstract + one page unit per body paragraph."""
    meta = record["metadata"]
    pid = paper_id(record["paper_id"])
    bib_order = {key: n for n, key in enumerate(record.get("bib_entries", {}), start=1)}
    refs = record.get("ref_entries", {})
    abstract = _clean(resolve_placeholders(meta.get("abstract", ""), bib_order, refs))
    pages = [Page(pid, 0, abstract, section="Abstract", is_paragraph=True)]
    for paragraph in record.get("body_text", []):
        text = _clean(resolve_placeholders(paragraph["text"], bib_order, refs))
        if not text:
            continue
        heading = " ".join(filter(None, [paragraph.get("sec_number"), paragraph.get("section")]))
        pages.append(Page(pid, len(pages), text, section=heading or None, is_paragraph=True))
    versions = meta.get("versions") or [{}]
    year = None
    created = versions[0].get("created", "")
    if match := re.search(r"\b(19|20)\d{2}\b", created):
        year = int(match.group())
    paper = Paper(
        id=pid,
        title=_clean(meta["title"]),
        authors=tuple(
            a.strip() for a in meta.get("authors", "").replace(" and ", ",").split(",") if a.strip()
        ),
        year=year,
        abstract=abstract,
        source=SourceKind.CORPUS,
        license=meta.get("license"),
        url=f"http://arxiv.org/abs/{record['paper_id']}",
        has_full_text=True,
    )
    return ParsedDoc(paper=paper, pages=tuple(pages), references=tuple(unarxive_references(record)))
