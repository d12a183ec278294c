"""The HTML report: every text escaped, nothing executable from the input, a strict
Content-Security-Policy that admits only the page's own style and script, the same sections
as the Markdown, each claim linked to its evidence and back, and each PDF quote shown on its
page with exactly its characters highlighted."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from dataclasses import replace

import pytest

from synth.core.ids import PaperId
from synth.core.types import Claim, Evidence, Label, Paper, Report, SourceCheck, Verdict
from synth.parse.pdf import page_crop, quote_boxes
from synth.render.render import Format, QuoteView, quote_key, render

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "</style><script>alert(2)</script>",
    "\u202egnirts\u202c & more",
]
PID = PaperId("arxiv:2408.10536")


def _report(text: str, quote: str = "Hybrid batches reduce bias by 20%.") -> Report:
    claim = Claim("c1", text, PID, section="4 Results")
    evidence = Evidence(PID, 1, 10, 10 + len(quote), quote, 0.9, section=text)
    verdict = Verdict(claim, Label.SUPPORTED, 0.9, (evidence,), method="v", reason=text)
    return Report(
        title=f"Evidence synthesis: {text}",
        question=text,
        date="2026-12-07",
        papers=(Paper(PID, text, authors=(text,), year=2024),),
        verdicts=(verdict,),
        abstract=text,
        methodology=text,
        results=text,
        limitations=text,
        extra={"introduction": text},
        checks=((SourceCheck(PID, verdict, own=True),),),
    )


@pytest.mark.parametrize("text", HOSTILE)
def test_no_text_from_a_source_or_an_input_becomes_markup(text):
    page = render(_report(text, quote=text), Format.HTML)
    assert page.count("<script") == 1, "only the page's own script"
    assert "<img src=x" not in page and "<svg onload" not in page
    assert "alert(2)" not in page.split("<script>", 1)[1].split("</script>")[0]
    assert 'href="javascript:' not in page


def test_bidi_and_zero_width_controls_are_shown_as_what_they_are():
    page = render(_report("Hidden \u202egnirts\u202c here\u200b."), Format.HTML)
    assert "\u202e" not in page and "\u200b" not in page
    assert "⟨U+202E⟩gnirts⟨U+202C⟩" in page


def test_the_page_admits_only_its_own_style_and_script_by_hash():
    page = render(_report("Hybrid batches reduce bias."), Format.HTML)
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    policy = html.unescape(found.group(1))
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    for source in (script, style):
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "http://" not in policy and "https://" not in policy, "nothing is fetched"


def test_claims_link_to_their_evidence_and_back_and_the_answer_links_rows():
    from synth.core.types import AnswerParagraph

    answer = (AnswerParagraph("Bias", ("According to 2408.10536, it holds [C1].",)),)
    page = render(replace(_report("Hybrid batches reduce bias."), answer=answer), Format.HTML)
    assert 'id="row-C1"' in page and 'href="#ev-C1"' in page
    assert 'id="ev-C1"' in page and 'href="#row-C1"' in page
    assert '[<a href="#row-C1">C1</a>]' in page
    for heading in ("Abstract", "1 Introduction", "2 Methodology", "3 Results", "4 Limitations",
                    "5 Extracted Claims", "References", "Evidence"):  # fmt: skip
        assert f">{heading}</h2>" in page


def test_a_quote_with_a_page_image_shows_it_and_one_without_says_why():
    report = _report("Hybrid batches reduce bias.")
    evidence = report.verdicts[0].evidence[0]
    with_image = {
        quote_key(evidence): QuoteView(image="data:image/png;base64,AAAA", width=10, height=5)
    }
    assert '<img src="data:image/png;base64,AAAA"' in render(report, Format.HTML, quotes=with_image)
    text_only = {
        quote_key(evidence): QuoteView(
            before="Before ", after=" after.", note="No page image: text only."
        )
    }
    page = render(report, Format.HTML, quotes=text_only)
    assert "<img" not in page and "No page image: text only." in page
    assert "Before <mark>Hybrid batches reduce bias by 20%.</mark> after." in page


# --- page images: the boxes of exactly the quoted characters, highlighted ----------------------

QUOTE = "sparse widgets improve retrieval accuracy by 12%"


@pytest.fixture
def widget_pdf(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_textbox(
        pymupdf.Rect(72, 300, 500, 500),
        "Across five test collections in two languages and three domains, sparse widgets "
        "improve retrieval accuracy by 12% over the dense baselines of Table 2. Nothing else.",
        fontsize=11,
    )
    path = tmp_path / "widgets.pdf"
    doc.save(path)
    text = pymupdf.open(path)[0].get_text()
    start = " ".join(text.split("\n")).index(QUOTE)
    return path, text, start, start + len(QUOTE)


def test_quote_boxes_are_one_per_line_around_exactly_the_quoted_characters(widget_pdf):
    import pymupdf

    path, text, start, end = widget_pdf
    boxes = quote_boxes(path, 0, text, start, end)
    assert len(boxes) == 2, "the quote wraps onto a second line"
    with pymupdf.open(path) as doc:
        inside = " ".join(doc[0].get_textbox(pymupdf.Rect(*b)).strip() for b in boxes)
    assert " ".join(inside.split()) == QUOTE


def test_a_page_crop_highlights_the_boxes_and_nothing_else(widget_pdf):
    import pymupdf

    path, text, start, end = widget_pdf
    boxes = quote_boxes(path, 0, text, start, end)
    png, clip = page_crop(path, 0, boxes, dpi=72)
    image = pymupdf.Pixmap(png)
    x0, y0, x1, y1 = boxes[1]
    cx, cy = int((x0 + x1) / 2 - clip[0]), int((y0 + y1) / 2 - clip[1])

    def yellow(x, y):
        r, g, b = image.pixel(x, y)[:3]
        return r > 200 and g > 150 and r - b > 80

    highlighted = sum(yellow(x, cy) for x in range(int(x0 - clip[0]) + 2, int(x1 - clip[0]) - 2))
    assert highlighted > 0.5 * (x1 - x0 - 4), "the quote's second line is filled yellow"
    assert not yellow(int(x1 - clip[0]) + 40, cy), "the words after the quote are not"
    assert not any(yellow(x, 3) for x in range(image.width)), "nor the margin above"
    assert cx > 0 and cy > 0


# --- the report as a user makes it: real PDFs through the app, opened in a real browser -------


def _html_report(fake_context, make_pdf, tmp_path):
    from synth.app.quote_views import quote_views, report_quotes
    from synth.app.report import build_report

    pdf = make_pdf(
        [
            ["Sparse Widgets", "Abstract", "We study sparse widgets for retrieval."],
            [
                "4 Results",
                "Across five test collections in two languages,",
                "sparse widgets improve retrieval accuracy by 12% over dense baselines.",
                "Sparse widgets improve retrieval accuracy by 12%.",
            ],
        ],
        title="Sparse Widgets",
        name="widgets.pdf",
    )
    ctx = fake_context(["widget", "sparse", "retrieval"])
    report = build_report(ctx, "Do sparse widgets help retrieval?", [str(pdf)])
    quotes = quote_views(ctx, report_quotes(report))
    path = tmp_path / "report.html"
    path.write_text(render(report, Format.HTML, quotes=quotes), encoding="utf-8")
    return path, report, quotes, ctx


def test_a_report_of_pdfs_shows_every_quote_on_its_page_and_caches_the_images(
    fake_context, make_pdf, tmp_path
):
    path, report, quotes, ctx = _html_report(fake_context, make_pdf, tmp_path)
    shown = [e for v in report.verdicts for e in v.evidence]
    assert shown, "the fake verifier found the results sentence"
    for evidence in shown:
        view = quotes[quote_key(evidence)]
        assert view.image.startswith("data:image/png;base64,") and json.loads(view.boxes)
    cached = sorted(ctx.home.crops.glob("*.png"))
    assert cached
    stamps = [p.stat().st_mtime_ns for p in cached]
    from synth.app.quote_views import quote_views, report_quotes

    quote_views(ctx, report_quotes(report))
    assert [p.stat().st_mtime_ns for p in cached] == stamps, "a rerun renders nothing"


def test_the_browser_shows_the_highlight_where_pymupdf_put_it_without_console_errors(
    fake_context, make_pdf, tmp_path, chromium
):
    import subprocess

    import pymupdf

    path, report, quotes, _ = _html_report(fake_context, make_pdf, tmp_path)
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0", "--window-size=1200,4000",
         f"--screenshot={shot}", path.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert shot.is_file(), run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Refused" in line]
    assert not console, console
    screenshot = pymupdf.Pixmap(str(shot))
    view = next(v for v in quotes.values() if v.image)
    crop = pymupdf.Pixmap(base64.b64decode(view.image.split(",", 1)[1]))
    box = json.loads(view.boxes)[0]
    cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
    r, g, b = crop.pixel(cx, cy)[:3]
    assert r > 200 and g > 150 and r - b > 80, "the crop is yellow where PyMuPDF's box is"
    # the screenshot shows the crop at its natural size: the highlight's exact colour (not
    # the <mark> of the text quotes) spans, on some row, exactly the width of PyMuPDF's box
    import numpy as np

    pixels = (
        np.frombuffer(screenshot.samples, np.uint8)
        .reshape(screenshot.height, screenshot.width, screenshot.n)[:, :, :3]
        .astype(int)
    )
    colour = np.array(crop.pixel(cx, cy)[:3])
    match = (np.abs(pixels - colour).max(axis=2) <= 3).astype(np.int8)
    widths = set()
    for row in match[match.any(axis=1)]:
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row, [0]))))
        widths.update((edges[1::2] - edges[::2]).tolist())
    expected = box[2] - box[0]
    assert any(abs(w - expected) <= 3 for w in widths), (expected, sorted(widths)[-10:])
