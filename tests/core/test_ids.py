"""synth.core.ids: arXiv ids and URLs normalise to one form; anything else is refused with a hint."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synth.core.errors import InvalidIdError
from synth.core.ids import PaperId, arxiv_id, paper_id, safe_filename, split_version

# Id-shaped text (ASCII digits on purpose: `\d` in a regex strategy would yield any script's
# digits) mixed with arbitrary text, so properties see both accepted and rejected inputs.
# plausible ids: a month 01-12, five digits after the dot from 2015, versions from v1
NEW_STYLE = st.from_regex(
    r"\A(arXiv:|https://arxiv\.org/abs/)?(1[5-9]|2[0-9])(0[1-9]|1[0-2])\.[0-9]{5}(v[1-9])?\Z"
)
OLD_STYLE = st.from_regex(r"\A[a-z]{1,8}(-[a-z]{2})?/[0-9]{2}(0[1-9]|1[0-2])[0-9]{3}(v[1-9])?\Z")
LOCAL_PDF = st.from_regex(r"\Apdf:[0-9a-f]{8,64}\Z")
ANY_ID_TEXT = st.one_of(NEW_STYLE, OLD_STYLE, LOCAL_PDF, st.text())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2408.10536", "2408.10536"),
        ("2408.10536v1", "2408.10536v1"),
        ("arXiv:2408.10536v2", "2408.10536v2"),
        ("https://arxiv.org/abs/2408.10536v1", "2408.10536v1"),
        ("http://arxiv.org/pdf/2408.10536v1.pdf", "2408.10536v1"),
        ("astro-ph/0601001", "astro-ph/0601001"),
        ("quant-ph/0201082v1", "quant-ph/0201082v1"),
        ("  2408.10536\n", "2408.10536"),
    ],
    ids=[
        "bare",
        "versioned",
        "arxiv-prefix",
        "abs-url",
        "pdf-url",
        "old-style",
        "old-style-versioned",
        "surrounding-space",
    ],
)
def test_arxiv_id_normalises_ids_and_urls(text: str, expected: str) -> None:
    assert arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    ["abc", "../../x", "", "2408.10536/../../etc", "1234.567"],
    ids=["word", "path-traversal", "empty", "id-then-traversal", "too-few-digits"],
)
def test_arxiv_id_rejects_non_ids_with_a_hint(text: str) -> None:
    with pytest.raises(InvalidIdError) as info:
        arxiv_id(text)

    assert repr(text) in info.value.message, "the message should quote what the user typed"
    assert info.value.hint and "2408.10536" in info.value.hint, "the hint should show a valid form"


@pytest.mark.parametrize(
    "text", ["２４０８.１０５３６", "٢٤٠٨.١٠٥٣٦"], ids=["fullwidth", "arabic-indic"]
)
def test_arxiv_id_rejects_digits_of_other_scripts(text: str) -> None:
    with pytest.raises(InvalidIdError):
        arxiv_id(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2408.10536v1", "arxiv:2408.10536v1"),
        ("arxiv:2408.10536", "arxiv:2408.10536"),
        ("https://arxiv.org/abs/astro-ph/0601001", "arxiv:astro-ph/0601001"),
        ("pdf:0123456789abcdef", "pdf:0123456789abcdef"),
    ],
    ids=["bare-arxiv", "already-schemed", "old-style-url", "local-pdf"],
)
def test_paper_id_gives_every_reference_a_scheme(text: str, expected: str) -> None:
    assert paper_id(text) == expected


@pytest.mark.parametrize(
    "text",
    ["pdf:abc", "pdf:ABCDEF0123", "pdf:../../etc/passwd"],
    ids=["too-short", "uppercase-hex", "traversal"],
)
def test_paper_id_rejects_malformed_local_pdf_ids(text: str) -> None:
    with pytest.raises(InvalidIdError):
        paper_id(text)


@given(ANY_ID_TEXT)
def test_paper_id_is_idempotent(text: str) -> None:
    try:
        once = paper_id(text)
    except InvalidIdError:
        return
    assert paper_id(once) == once, "normalising a normalised id must not change it"


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("2408.10536v1", ("2408.10536", "v1")),
        ("2408.10536v12", ("2408.10536", "v12")),
        ("2408.10536", ("2408.10536", None)),
        ("quant-ph/0201082v1", ("quant-ph/0201082", "v1")),
        ("astro-ph/0601001", ("astro-ph/0601001", None)),
    ],
    ids=["new-v1", "new-v12", "new-unversioned", "old-versioned", "old-unversioned"],
)
def test_split_version_separates_the_version_suffix(identifier: str, expected: tuple) -> None:
    assert split_version(identifier) == expected


@given(ANY_ID_TEXT)
def test_safe_filename_of_any_accepted_id_stays_in_its_directory(text: str) -> None:
    try:
        pid = paper_id(text)
    except InvalidIdError:
        return  # rejected input never reaches the file system: only InvalidIdError may escape

    name = safe_filename(pid)

    assert "/" not in name and "\\" not in name, f"{name!r} has a path separator"
    assert name not in ("", ".", ".."), f"{name!r} is not a plain file name"
    assert re.fullmatch(r"[A-Za-z0-9._\-]+", name), f"{name!r} has characters outside the safe set"


@given(st.one_of(NEW_STYLE, OLD_STYLE, LOCAL_PDF), st.one_of(NEW_STYLE, OLD_STYLE, LOCAL_PDF))
def test_safe_filename_keeps_distinct_ids_apart(a: str, b: str) -> None:
    pa, pb = paper_id(a), paper_id(b)
    if pa != pb:
        assert safe_filename(pa) != safe_filename(pb), f"{pa} and {pb} would share a file"


@pytest.mark.parametrize("raw", ["", ".", ".."], ids=["empty", "dot", "dotdot"])
def test_safe_filename_of_a_raw_dot_id_is_still_a_plain_name(raw: str) -> None:
    name = safe_filename(PaperId(raw))

    assert name not in ("", ".", ".."), f"{name!r} is not a plain file name"


def test_www_arxiv_urls_are_accepted() -> None:
    assert arxiv_id("https://www.arxiv.org/abs/2408.10536v1") == "2408.10536v1"


@pytest.mark.parametrize(
    "raw", ["0000.00000", "2408.1053", "2408.10536v0", "1413.12345", "1412.12345"]
)
def test_ids_arxiv_never_issues_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidIdError):
        arxiv_id(raw)


def test_a_huge_id_is_not_echoed_whole() -> None:
    with pytest.raises(InvalidIdError) as caught:
        arxiv_id("9" * 5000)
    assert len(caught.value.message) < 120
