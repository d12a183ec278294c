"""Reference lists: entries split, identifiers read off them, nothing guessed."""

from __future__ import annotations

import pytest

from synth.core.ids import PaperId
from synth.core.types import Page
from synth.parse.references import guess_title, pdf_references, recognise, split_entries


@pytest.mark.parametrize(
    ("raw", "arxiv_id", "doi"),
    [
        ("A. Author. Title words here. arXiv:2408.10536v1, 2024.", "2408.10536v1", None),
        ("A. Author. Title words here. https://arxiv.org/abs/2110.15725", "2110.15725", None),
        ("B. Author. Old physics. arXiv:hep-th/9901001.", "hep-th/9901001", None),
        (
            "C. Author. Via DOI. doi:10.48550/arXiv.2305.05295.",
            "2305.05295",
            "10.48550/arXiv.2305.05295",
        ),
        (
            "D. Author. Journal paper. Nature, 2020. doi:10.1038/s41586-020-2649-2.",
            None,
            "10.1038/s41586-020-2649-2",
        ),
        ("E. Author. Page 1234.5678 of a book, 2001.", None, None),
    ],
    ids=["new-style", "abs-url", "old-style", "arxiv-doi", "other-doi", "no-arxiv-word"],
)
def test_identifiers_are_read_off_the_entry(raw, arxiv_id, doi):
    ref = recognise(1, raw)
    assert (ref.arxiv_id, ref.doi) == (arxiv_id, doi)


def test_the_title_is_the_quoted_span_or_the_sentence_after_the_authors():
    assert guess_title("A. Author, “Sparse Widgets for Retrieval,” in Proc. X, 2020.") == (
        "Sparse Widgets for Retrieval"
    )
    assert guess_title(
        "A. Author and B. Author. Sparse widgets for retrieval. In Proc. X, 2020."
    ) == ("Sparse widgets for retrieval")


def test_numbered_entries_are_split_at_their_markers():
    text = "[1] A. One. First title. 2020.\n[2] B. Two. Second title\ncontinued. 2021.\n"
    assert split_entries(text) == [
        "[1] A. One. First title. 2020.",
        "[2] B. Two. Second title continued. 2021.",
    ]


def test_pdf_references_come_after_the_last_references_heading():
    pid = PaperId("pdf:x")
    pages = [
        Page(pid, 0, "1 Introduction\nWe cite [1] and [2].\n"),
        Page(
            pid,
            1,
            "References\n[1] A. One. First paper title. arXiv:2408.10536.\n"
            "[2] B. Two. Second paper title here. 2021.\n",
        ),
    ]
    refs = pdf_references(pages)
    assert [(r.position, r.arxiv_id) for r in refs] == [(1, "2408.10536"), (2, None)]
    assert refs[1].title == "Second paper title here"


def test_a_paper_without_a_references_heading_has_no_entries():
    assert pdf_references([Page(PaperId("pdf:x"), 0, "Just text. [1] Not a list.")]) == []
