"""PDFs made from the full texts of ../shared/data/unarxive-2212 (real paragraphs, set in
pages with PyMuPDF): inputs for the HTML example and the scale benchmarks, where a
PDF of a real paper is needed and none ships.

    python -m bench.corpus_pdfs --out runs/pdfs 2212.11790 2212.12345   # those papers
    python -m bench.corpus_pdfs --out runs/pdfs --count 1000            # 1,000, cycling texts
    python -m bench.corpus_pdfs --out runs/pdfs --mixed 10000           # 10,000 distinct texts

`--count` repeats the 49 texts (titles differ), so their passages repeat too: a passage
vector cached for one copy serves every copy. `--mixed` makes each paper's text distinct (an
abstract from two papers' halves, body paragraphs drawn from all of them), which is what a
scale benchmark needs; its layout is plain wrapped lines, ~50x faster to make.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "unarxive-2212.jsonl.gz"
# unarXive's placeholders for formulas, citations, figures and tables, and its "REF" for a
# cross-reference: neither is text a reader of the PDF would see
_MARKUP = re.compile(r"\{\{(formula|cite|figure|table):[^}]*\}\}|\s?\(?\bREF\b\)?")


def records() -> list[dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _paragraphs(record: dict) -> Iterator[tuple[str, str]]:
    yield "Abstract", " ".join(record["abstract"]["text"].split())
    section = None
    for p in record["body_text"]:
        text = " ".join(_MARKUP.sub("", p["text"]).split())
        if not text:
            continue
        heading = p.get("section") or ""
        if heading != section:
            section = heading
            number = p.get("sec_number") or ""
            yield "heading", f"{number} {heading}".strip()
        yield "text", text


def make_pdf(record: dict, path: Path, *, suffix: str = "") -> Path:
    """One paper as a PDF: title, then each section heading and paragraph, flowed over A4
    pages in Helvetica 10 pt."""
    import pymupdf

    doc = pymupdf.open()
    title = " ".join(record["metadata"]["title"].split()) + suffix
    page = doc.new_page(width=595, height=842)
    y = 72.0
    page.insert_textbox(pymupdf.Rect(72, y, 523, y + 60), title, fontsize=15, fontname="hebo")
    y += 60
    for kind, text in _paragraphs(record):
        size, font = (11, "hebo") if kind in ("heading", "Abstract") else (10, "helv")
        if kind == "Abstract":
            text = "Abstract\n" + text
        while text:
            if y > 760:
                page, y = doc.new_page(width=595, height=842), 72.0
            box = pymupdf.Rect(72, y, 523, 770)
            left = page.insert_textbox(box, text, fontsize=size, fontname=font)
            if left >= 0:  # it fit: `left` is the unused height
                y = 770 - left + 8
                break
            # too long for the rest of the page: put what fits, carry the remainder over
            words = text.split(" ")
            lo, hi = 1, len(words)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                probe = pymupdf.open().new_page(width=595, height=842)
                fits = probe.insert_textbox(
                    box, " ".join(words[:mid]), fontsize=size, fontname=font
                )
                lo, hi = (mid, hi) if fits >= 0 else (lo, mid - 1)
            page.insert_textbox(box, " ".join(words[:lo]), fontsize=size, fontname=font)
            text = " ".join(words[lo:])
            page, y = doc.new_page(width=595, height=842), 72.0
    doc.set_metadata({"title": title})
    doc.save(path)
    return path


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if s]


def mixed_text(index: int, pool: list[dict]) -> tuple[str, str, list[tuple[str, str]]]:
    """(title, abstract, [(heading, paragraph)]) of synthetic paper `index`: real sentences
    and paragraphs, combined so that no two indices give the same text."""
    rng = random.Random(index)
    first, second = rng.sample(pool, 2)
    a, b = _sentences(first["abstract"]["text"]), _sentences(second["abstract"]["text"])
    abstract = " ".join(a[: max(1, len(a) // 2)] + b[len(b) // 2 :])
    title = f"{' '.join(first['metadata']['title'].split())} (variant {index})"
    body: list[tuple[str, str]] = []
    for record in rng.sample(pool, 3):
        paragraphs = [(h, t) for h, t in _body(record)]
        if paragraphs:
            start = rng.randrange(len(paragraphs))
            body.extend(paragraphs[start : start + 6])
    return title, abstract, body


def _body(record: dict) -> Iterator[tuple[str, str]]:
    for p in record["body_text"]:
        text = " ".join(_MARKUP.sub("", p["text"]).split())
        if text:
            yield (p.get("section") or "Body", text)


def make_mixed_pdf(index: int, pool: list[dict], path: Path) -> Path:
    """Synthetic paper `index` (see `mixed_text`) as a PDF, in wrapped lines of Helvetica."""
    import pymupdf

    title, abstract, body = mixed_text(index, pool)
    doc = pymupdf.open()
    lines: list[tuple[str, str, int]] = [(title, "hebo", 14), ("", "helv", 10)]
    lines += [("Abstract", "hebo", 11)]
    lines += [(line, "helv", 10) for line in textwrap.wrap(abstract, 88)]
    heading = None
    for section, text in body:
        if section != heading:
            heading = section
            lines += [("", "helv", 10), (section, "hebo", 11)]
        lines += [(line, "helv", 10) for line in textwrap.wrap(text, 88)] + [("", "helv", 10)]
    page, y = None, 800.0
    for text, font, size in lines:
        if y > 770:
            page, y = doc.new_page(width=595, height=842), 72.0
        if text:
            page.insert_text((72, y), text, fontsize=size, fontname=font)
        y += size + 3
    doc.set_metadata({"title": title})
    doc.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="arXiv ids of corpus papers (default: all)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=0, help="make this many, cycling texts")
    parser.add_argument("--mixed", type=int, default=0, help="make this many distinct texts")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pool = [r for r in records() if not args.ids or r["paper_id"] in args.ids]
    if args.mixed:
        for i in range(args.mixed):
            path = args.out / f"mixed-{i:05d}.pdf"
            if not path.exists():
                make_mixed_pdf(i, pool, path)
        print(f"{args.mixed} PDFs in {args.out}")
        return
    if args.count:
        for i in range(args.count):
            record = pool[i % len(pool)]
            make_pdf(
                record,
                args.out / f"paper-{i:05d}.pdf",
                suffix=f" (copy {i})" if i >= len(pool) else "",
            )
    else:
        for record in pool:
            make_pdf(record, args.out / f"{record['paper_id']}.pdf")
    print(f"wrote {args.count or len(pool)} PDFs to {args.out}")


if __name__ == "__main__":
    main()
