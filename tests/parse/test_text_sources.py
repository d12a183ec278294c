"""synth.parse.text_sources: abstracts and unarXive full texts -> paragraph pages, placeholders resolved."""

from __future__ import annotations

import re

import pytest

from synth.core.types import SourceKind
from synth.fetch.corpus import iter_fulltext_records
from synth.parse.text_sources import (
    MAX_INLINE_FORMULA,
    abstract_doc,
    resolve_placeholders,
    unarxive_doc,
)

PLACEHOLDER = re.compile(r"\{\{\w+:[^}]*\}\}")
BIB_ORDER = {"bib-a": 1, "bib-b": 2}
REFS = {
    "f-short": {"type": "formula", "latex": "x_{i}^{2}"},
    "f-spaced": {"type": "formula", "latex": "a +\n   b"},
    "f-long": {"type": "formula", "latex": "\\sum_{i=1}^{n} " + "x_i " * MAX_INLINE_FORMULA},
    "f-at-limit": {"type": "formula", "latex": "y" * MAX_INLINE_FORMULA},
    "f-over-limit": {"type": "formula", "latex": "y" * (MAX_INLINE_FORMULA + 1)},
    "fig-1": {"type": "figure", "caption": "A plot."},
    "tab-1": {"type": "table", "caption": "Scores."},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("as in {{cite:bib-b}}.", "as in [2]."),
        ("see {{cite:bib-a}}{{cite:bib-b}}", "see [1][2]"),
        ("as in {{cite:nowhere}}.", "as in [?]."),
        ("with {{formula:f-short}} fixed", "with $x_{i}^{2}$ fixed"),
        ("with {{formula:f-spaced}}", "with $a + b$"),
        ("with {{formula:f-long}}", "with [formula]"),
        ("with {{formula:missing}}", "with [formula]"),
        ("{{formula:f-at-limit}}", "$" + "y" * MAX_INLINE_FORMULA + "$"),
        ("{{formula:f-over-limit}}", "[formula]"),
        ("shown in {{figure:fig-1}}", "shown in [figure]"),
        ("listed in {{table:tab-1}}", "listed in [table]"),
        ("no placeholder {here}", "no placeholder {here}"),
    ],
    ids=[
        "cite",
        "adjacent-cites",
        "unknown-cite",
        "short-formula",
        "formula-whitespace",
        "long-formula",
        "unknown-formula",
        "formula-at-limit",
        "formula-over-limit",
        "figure",
        "table",
        "plain-braces",
    ],
)
def test_resolve_placeholders(text: str, expected: str) -> None:
    assert resolve_placeholders(text, BIB_ORDER, REFS) == expected


def _unarxive_record() -> dict:
    """A two-section paper in the unarXive layout (see shared/data/unarxive-2212/data_format.md)."""
    return {
        "paper_id": "2212.00001",
        "metadata": {
            "id": "2212.00001",
            "title": "Hybrid Batches for\n  Multilingual Retrieval",
            "authors": "Ada Lovelace, Alan Turing and Grace Hopper",
            "abstract": "  We train {{formula:f1}} with hybrid batches\nand beat {{cite:b2}}.\n",
            "license": "http://creativecommons.org/licenses/by/4.0/",
            "versions": [{"version": "v1", "created": "Thu, 22 Dec 2022 17:01:56 GMT"}],
        },
        "abstract": {"section": "Abstract", "text": "We train with hybrid batches."},
        "body_text": [
            {
                "section": "Introduction",
                "sec_number": "1",
                "sec_type": "section",
                "content_type": "paragraph",
                "text": "Retrieval matters {{cite:b1}}, see {{figure:g1}}.\n",
            },
            {
                "section": "Introduction",
                "sec_number": "1",
                "sec_type": "section",
                "content_type": "paragraph",
                "text": "   \n",
            },
            {
                "section": "Setup",
                "sec_number": "2.1",
                "sec_type": "subsection",
                "content_type": "paragraph",
                "text": "We use {{formula:f1}} as in {{cite:b2}} ({{table:t1}}).\n",
            },
        ],
        "bib_entries": {
            "b1": {"bib_entry_raw": "A. First, 2020."},
            "b2": {"bib_entry_raw": "B. Second, 2021."},
        },
        "ref_entries": {
            "f1": {"type": "formula", "latex": "\\mathcal{L}"},
            "g1": {"type": "figure", "caption": "Overview."},
            "t1": {"type": "table", "caption": "Results."},
        },
    }


def test_unarxive_doc_makes_the_abstract_page_zero() -> None:
    doc = unarxive_doc(_unarxive_record())

    first = doc.pages[0]
    assert (first.index, first.section, first.is_paragraph) == (0, "Abstract", True)
    assert first.text == "We train $\\mathcal{L}$ with hybrid batches and beat [2]."


def test_unarxive_doc_gives_one_page_per_non_empty_paragraph() -> None:
    doc = unarxive_doc(_unarxive_record())

    assert [p.text for p in doc.pages[1:]] == [
        "Retrieval matters [1], see [figure].",
        "We use $\\mathcal{L}$ as in [2] ([table]).",
    ]
    assert [p.index for p in doc.pages] == [0, 1, 2], "page indexes must stay contiguous"
    assert all(p.is_paragraph for p in doc.pages)


def test_unarxive_doc_names_sections_by_number_and_title() -> None:
    doc = unarxive_doc(_unarxive_record())

    assert [p.section for p in doc.pages] == ["Abstract", "1 Introduction", "2.1 Setup"]


def test_unarxive_doc_leaves_no_placeholder_braces() -> None:
    doc = unarxive_doc(_unarxive_record())

    for page in doc.pages:
        assert "{{" not in page.text, f"page {page.index} keeps a placeholder: {page.text!r}"
    assert "{{" not in doc.paper.abstract


def test_unarxive_doc_reads_paper_metadata() -> None:
    paper = unarxive_doc(_unarxive_record()).paper

    assert paper.id == "arxiv:2212.00001"
    assert paper.title == "Hybrid Batches for Multilingual Retrieval"
    assert paper.authors == ("Ada Lovelace", "Alan Turing", "Grace Hopper")
    assert paper.year == 2022
    assert (paper.source, paper.has_full_text) == (SourceKind.CORPUS, True)
    assert paper.url == "http://arxiv.org/abs/2212.00001"


def test_abstract_doc_makes_one_abstract_page_from_a_seed_record() -> None:
    record = {
        "id": "2408.10536",
        "title": "Synergistic Approach for\n  Simultaneous Optimization",
        "authors": ["Adel Elmahdy", "Sheng-Chieh Lin", "Amin Ahmad"],
        "year": 2024,
        "abstract": "Information retrieval across languages\n  is hard. We fix it.",
        "abstract_complete": True,
    }

    doc = abstract_doc(record)

    assert doc.paper.id == "arxiv:2408.10536"
    assert doc.paper.title == "Synergistic Approach for Simultaneous Optimization"
    assert (doc.paper.authors, doc.paper.year, doc.paper.has_full_text) == (
        ("Adel Elmahdy", "Sheng-Chieh Lin", "Amin Ahmad"),
        2024,
        False,
    )
    assert [(p.index, p.section, p.text) for p in doc.pages] == [
        (0, "Abstract", "Information retrieval across languages is hard. We fix it.")
    ]
    assert doc.paper.abstract == doc.pages[0].text


def test_shipped_corpus_full_texts_contain_no_unresolved_placeholder() -> None:
    """No `{{kind:key}}` placeholder survives ingest in any of the 49 shipped papers.

    A bare "{{" is not the test: formulas' own LaTeX ("${{\\mathcal {O}}}$", 348 ref entries) and
    one paper's Mathematica listing legitimately contain it once placeholders are resolved.
    """
    docs = [unarxive_doc(r) for r in iter_fulltext_records()]

    assert len(docs) == 49
    leftovers = [
        (d.paper.id, p.index, m.group())
        for d in docs
        for p in d.pages
        for m in PLACEHOLDER.finditer(p.text)
    ]
    assert not leftovers, f"unresolved placeholders: {leftovers[:5]}"
    assert all(not PLACEHOLDER.search(d.paper.abstract) for d in docs)
