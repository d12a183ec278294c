"""synth.parse.pdf: PDF pages -> Pages, skipping unreadable pages, refusing unreadable files."""

from __future__ import annotations

from pathlib import Path

import pytest

from synth.core.errors import ParseError
from synth.core.ids import PaperId
from synth.core.settings import ParseSettings
from synth.parse.chunk import chunk_doc
from synth.parse.pdf import find_headings, parse_pdf

PID = PaperId("pdf:0123456789abcdef")


def test_parse_pdf_recovers_each_pages_lines_in_page_order(make_pdf) -> None:
    pages = [
        ["First page title", "Opening line."],
        ["Second page body."],
        ["Third page", "ends here."],
    ]

    doc = parse_pdf(make_pdf(pages), PID)

    assert [p.index for p in doc.pages] == [0, 1, 2]
    assert [p.text.splitlines() for p in doc.pages] == pages
    assert doc.failed_pages == ()
    assert all(p.paper_id == PID for p in doc.pages)


def test_parse_pdf_round_trips_a_cjk_line(make_pdf) -> None:
    doc = parse_pdf(make_pdf([["多语言检索的混合批次训练。", "Hybrid batches."]]), PID)

    assert doc.pages[0].text.splitlines() == ["多语言检索的混合批次训练。", "Hybrid batches."]


def test_image_only_page_is_skipped_and_reported(make_pdf) -> None:
    path = make_pdf([["Page one text."], "<image-only>", ["Page three text."]])

    doc = parse_pdf(path, PID)

    assert doc.failed_pages == (1,)
    assert [(p.index, p.text.strip()) for p in doc.pages] == [
        (0, "Page one text."),
        (2, "Page three text."),
    ]


def test_pdf_with_only_image_pages_raises_parse_error_with_ocr_hint(make_pdf) -> None:
    path = make_pdf(["<image-only>", "<image-only>"], name="scan.pdf")

    with pytest.raises(ParseError) as info:
        parse_pdf(path, PID)

    assert "scan.pdf" in info.value.message
    assert info.value.hint and "OCR" in info.value.hint


def _encrypted(make_pdf, tmp_path: Path) -> Path:
    return make_pdf([["Secret text."]], name="locked.pdf", encrypt=True)


def _truncated(make_pdf, tmp_path: Path) -> Path:
    data = make_pdf([["Some text."]], name="whole.pdf").read_bytes()
    path = tmp_path / "half.pdf"
    path.write_bytes(data[: len(data) // 2])
    return path


def _zero_bytes(make_pdf, tmp_path: Path) -> Path:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    return path


def _text_named_pdf(make_pdf, tmp_path: Path) -> Path:
    path = tmp_path / "notes.pdf"
    path.write_text("Just some notes.\nNot a PDF.\n", encoding="utf-8")
    return path


def _text_file(make_pdf, tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("Just some notes.\nNot a PDF.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "build",
    [
        _encrypted,
        _truncated,
        _zero_bytes,
        _text_named_pdf,
        _text_file,
    ],
    ids=["encrypted", "truncated", "zero-bytes", "text-named-pdf", "text-file"],
)
def test_unreadable_file_raises_parse_error_naming_the_file(
    build, make_pdf, tmp_path: Path
) -> None:
    path = build(make_pdf, tmp_path)

    with pytest.raises(ParseError) as info:
        parse_pdf(path, PID)

    assert path.name in info.value.message, f"message should name the file: {info.value.message!r}"


def test_truncated_multi_page_pdf_raises_parse_error(make_pdf, tmp_path: Path) -> None:
    data = make_pdf([["Some text."], ["More text."]], name="whole.pdf").read_bytes()
    path = tmp_path / "half.pdf"
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(ParseError, match="half.pdf"):
        parse_pdf(path, PID)


def test_missing_file_raises_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="absent.pdf"):
        parse_pdf(tmp_path / "absent.pdf", PID)


def test_metadata_title_becomes_the_paper_title(make_pdf) -> None:
    path = make_pdf([["Running header", "Body text."]], title="Hybrid Batch Training")

    assert parse_pdf(path, PID).paper.title == "Hybrid Batch Training"


def test_first_line_is_the_title_when_metadata_has_none(make_pdf) -> None:
    path = make_pdf([["Hybrid Batch Training", "Body text."]])

    assert parse_pdf(path, PID).paper.title == "Hybrid Batch Training"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 Methodology\nWe train.\n", ((0, "2 Methodology"),)),
        ("Intro text\n3.1 Data Sets\nMore.\n", ((11, "3.1 Data Sets"),)),
        ("IV. Experiments\n", ((0, "IV. Experiments"),)),
        ("Limitations\nSome.\n", ((0, "Limitations"),)),
        ("2 We found that models trained longer do better.\n", ()),
        ("3 the lower-case start is not a heading\n", ()),
        ("In 2023 Results improved\n", ()),
    ],
    ids=[
        "numbered",
        "subsection-mid-page",
        "roman",
        "unnumbered-known",
        "sentence-with-full-stop",
        "lower-case",
        "number-not-at-line-start",
    ],
)
def test_find_headings(text: str, expected: tuple) -> None:
    assert find_headings(text) == expected


def test_numbered_heading_becomes_the_section_of_later_passages(make_pdf) -> None:
    path = make_pdf(
        [["Opening text."], ["2 Methodology", "We train models."], ["More method text."]]
    )

    doc = parse_pdf(path, PID)
    passages = chunk_doc(doc, ParseSettings())

    assert doc.pages[1].headings == ((0, "2 Methodology"),)
    assert [(p.page_index, p.section) for p in passages] == [
        (0, None),
        (1, "2 Methodology"),
        (2, "2 Methodology"),
    ]
