"""Each quote of a report as the HTML report shows it: a PDF quote as a clip of its page with
the quote's characters highlighted (boxes from PyMuPDF for exactly `page.text[start:end]`),
a quote from a text-only source (an abstract, an unarXive paragraph) as its paragraph with
the quote marked and a note that no page image exists.

Page images are cached in `$SYNTH_HOME/crops/`, keyed by the paper's content hash, the page,
the offsets and the render settings (CROP_VERSION): a rerun renders nothing, and a changed
PDF (another content hash) never shows a stale picture.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from synth.app.context import Context
from synth.core.errors import SynthError
from synth.core.paths import write_atomic
from synth.core.types import Evidence, Report
from synth.parse.pdf import page_crop, quote_boxes
from synth.render.render import QuoteView, quote_key

log = logging.getLogger(__name__)

CROP_VERSION = 1  # bump when the crop's look changes: cached images are keyed by it
DPI = 110
CONTEXT_CHARS = 280  # of the paragraph shown around a quote from a text-only source


def report_quotes(report: Report) -> list[Evidence]:
    """Every quote the report shows: each claim's own evidence and the first quote of each
    other paper that supports or contradicts it."""
    out = [e for v in report.verdicts for e in v.evidence]
    for row in report.checks:
        out += [c.verdict.evidence[0] for c in row if not c.own and c.verdict.evidence]
    return out


def quote_views(
    ctx: Context, quotes: Iterable[Evidence], assets: Path | None = None
) -> dict[tuple[str, int, int, int], QuoteView]:
    """Views of the quotes: page images inline as data: URIs, or written into `assets` (a
    folder beside the HTML file) and referenced by relative path."""
    views: dict[tuple[str, int, int, int], QuoteView] = {}
    for evidence in quotes:
        key = quote_key(evidence)
        if key not in views:
            views[key] = _view(ctx, evidence, assets)
    return views


def _view(ctx: Context, evidence: Evidence, assets: Path | None) -> QuoteView:
    library = ctx.library
    page = library.page(evidence.paper_id, evidence.page_index)
    pdf = library.pdf_path(evidence.paper_id)
    if pdf and Path(pdf).is_file():
        crop = _crop(ctx, evidence, Path(pdf), page.text)
        if crop is not None:
            png, meta = crop
            return QuoteView(
                image=_image_ref(png, meta["name"], assets),
                width=meta["width"],
                height=meta["height"],
                boxes=json.dumps(meta["boxes"]),
            )
    before = page.text[max(0, evidence.start - CONTEXT_CHARS) : evidence.start]
    after = page.text[evidence.end : evidence.end + CONTEXT_CHARS]
    why = (
        "the PDF this paper was read from is no longer at " + pdf
        if pdf
        else "the source is text only (an abstract or a parsed full text, not a PDF)"
    )
    return QuoteView(
        before=("…" if evidence.start > CONTEXT_CHARS else "") + " ".join(before.split()) + " ",
        after=" "
        + " ".join(after.split())
        + ("…" if len(page.text) > evidence.end + CONTEXT_CHARS else ""),
        note=f"No page image: {why}; the quote is marked in its paragraph.",
    )


def _crop(ctx: Context, evidence: Evidence, pdf: Path, page_text: str):
    """(png bytes, metadata) of the quote's page clip, from the cache or rendered once."""
    content = ctx.library.content_hash(evidence.paper_id) or ""
    recipe = [content, evidence.page_index, evidence.start, evidence.end, CROP_VERSION, DPI]
    name = hashlib.sha256(json.dumps(recipe).encode()).hexdigest()[:24]
    folder = ctx.home.crops
    png_path, meta_path = folder / f"{name}.png", folder / f"{name}.json"
    if png_path.is_file() and meta_path.is_file():
        try:
            return png_path.read_bytes(), json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # a damaged cache entry is rendered again
    boxes = quote_boxes(pdf, evidence.page_index, page_text, evidence.start, evidence.end)
    if not boxes:
        return None
    try:
        png, clip = page_crop(pdf, evidence.page_index, boxes, dpi=DPI)
    except SynthError as exc:
        log.warning("%s", exc.message)
        return None
    scale = DPI / 72
    meta = {
        "name": f"{name}.png",
        "width": round((clip[2] - clip[0]) * scale),
        "height": round((clip[3] - clip[1]) * scale),
        "boxes": [
            [
                round((b[0] - clip[0]) * scale),
                round((b[1] - clip[1]) * scale),
                round((b[2] - clip[0]) * scale),
                round((b[3] - clip[1]) * scale),
            ]
            for b in boxes
        ],  # fmt: skip
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        png_path.with_suffix(".part").write_bytes(png)
        png_path.with_suffix(".part").replace(png_path)
        write_atomic(meta_path, json.dumps(meta))
    except OSError as exc:  # a read-only home still gets its pictures, uncached
        log.warning("page image not cached (%s)", exc)
    return png, meta


def _image_ref(png: bytes, name: str, assets: Path | None) -> str:
    if assets is None:
        return "data:image/png;base64," + base64.b64encode(png).decode()
    assets.mkdir(parents=True, exist_ok=True)
    (assets / name).write_bytes(png)
    return f"{assets.name}/{name}"
