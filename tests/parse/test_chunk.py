"""synth.parse.chunk: sentence-aware passages that are exact slices of their page."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from synth.core.ids import PaperId
from synth.core.settings import ParseSettings
from synth.core.types import Page, Paper, ParsedDoc
from synth.parse.chunk import chunk_doc, chunk_page

PID = PaperId("arxiv:2408.10536")

WORDS = st.lists(st.from_regex(r"\A[a-z]{1,15}\Z"), min_size=1, max_size=300)
SEPARATORS = st.sampled_from([" ", " ", " ", ". ", "? ", ". The "])
PIECES = st.sampled_from(
    [
        "We",
        "train",
        "0.5",
        "e.g.",
        "Fig. 3",
        ".",
        "。",
        "।",
        " ",
        "\n",
        "\n\n",
        "supercalifragilistic",
        "x" * 120,
    ]
)
PAGE_TEXT = st.one_of(
    st.text(max_size=2000),
    st.lists(PIECES, max_size=200).map(" ".join),
    st.lists(PIECES, max_size=200).map("".join),
)
SETTINGS = st.builds(ParseSettings, max_chars=st.integers(100, 300), min_chars=st.integers(1, 400))


@st.composite
def prose(draw) -> str:
    """Lower-case words joined by spaces and sentence ends: every word boundary is a space."""
    words = draw(WORDS)
    seps = draw(st.lists(SEPARATORS, min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=False)).strip()


@given(PAGE_TEXT, SETTINGS)
def test_every_passage_is_the_exact_slice_of_its_page(text: str, settings: ParseSettings) -> None:
    page = Page(PID, 3, text)

    for p in chunk_page(page, settings):
        assert page.text[p.start : p.end] == p.text, f"passage {p.id} is not page.text[start:end]"
        assert (p.paper_id, p.page_index) == (PID, 3)


@given(PAGE_TEXT, SETTINGS)
def test_passages_cover_every_non_space_character_exactly_once(
    text: str, settings: ParseSettings
) -> None:
    passages = chunk_page(Page(PID, 0, text), settings)

    covered = [0] * len(text)
    for p in passages:
        for i in range(p.start, p.end):
            covered[i] += 1
    lost = [
        (i, ch, covered[i]) for i, ch in enumerate(text) if not ch.isspace() and covered[i] != 1
    ]
    assert not lost, f"(offset, char, times covered) not covered exactly once: {lost[:5]}"


@given(PAGE_TEXT, st.integers(100, 300))
def test_no_passage_exceeds_max_chars_when_nothing_is_tiny(text: str, max_chars: int) -> None:
    settings = ParseSettings(max_chars=max_chars, min_chars=1)  # no merging of tiny passages

    for p in chunk_page(Page(PID, 0, text), settings):
        assert len(p.text) <= max_chars, f"{len(p.text)} chars > max_chars={max_chars}"


@given(PAGE_TEXT, SETTINGS)
def test_no_passage_exceeds_twice_max_chars(text: str, settings: ParseSettings) -> None:
    for p in chunk_page(Page(PID, 0, text), settings):
        assert len(p.text) <= 2 * settings.max_chars, f"{len(p.text)} chars > 2 * max_chars"


def test_tiny_passage_merges_with_next_sentence_even_past_max_chars() -> None:
    long_sentence = "Word " + "word " * 18 + "end."  # 99 characters
    text = "Ok. " + long_sentence

    passages = chunk_page(Page(PID, 0, text), ParseSettings(max_chars=100, min_chars=40))

    assert [p.text for p in passages] == [text], "a 3-char passage should not stand alone"
    assert len(passages[0].text) == 103


def test_over_long_sentence_is_cut_at_spaces_into_pieces_within_max_chars() -> None:
    words = [f"token{i:02d}" for i in range(40)]  # one 319-char sentence, no full stop
    text = " ".join(words)

    passages = chunk_page(Page(PID, 0, text), ParseSettings(max_chars=100, min_chars=1))

    assert len(passages) > 1
    assert all(len(p.text) <= 100 for p in passages), [len(p.text) for p in passages]
    assert [w for p in passages for w in p.text.split(" ")] == words, "a word was cut or lost"


@given(prose(), SETTINGS)
def test_chunk_never_splits_inside_a_word(text: str, settings: ParseSettings) -> None:
    for p in chunk_page(Page(PID, 0, text), settings):
        assert p.start == 0 or text[p.start - 1].isspace(), f"starts mid-word: {p.text[:20]!r}"
        assert p.end == len(text) or text[p.end].isspace(), f"ends mid-word: {p.text[-20:]!r}"


def test_over_long_sentence_is_cut_at_newlines_rather_than_inside_a_word() -> None:
    text = "\n".join(f"0.{i:03d}" for i in range(60))  # one 359-char "sentence", one value a line

    passages = chunk_page(Page(PID, 0, text), ParseSettings(max_chars=100, min_chars=1))

    for p in passages:
        assert p.text == p.text.strip(), f"passage keeps surrounding whitespace: {p.text!r}"
        assert all(len(v) == 5 for v in p.text.split("\n")), f"a value was cut: {p.text!r}"


def test_passages_take_their_section_from_page_headings() -> None:
    intro_a = "We study how batch composition affects cross-lingual retrieval quality here."
    intro_b = "Prior work trains on one language at a time and so it forgets the others."
    methods = "2 Methods\nWe mix monolingual and cross-lingual batches in a fixed ratio."
    text = f"{intro_a} {intro_b}\n{methods}"
    page = Page(
        PID, 1, text, section="1 Introduction", headings=((text.index(methods), "2 Methods"),)
    )

    passages = chunk_page(page, ParseSettings(max_chars=100, min_chars=10))

    assert [p.text for p in passages] == [intro_a, intro_b, methods]
    assert [p.section for p in passages] == ["1 Introduction", "1 Introduction", "2 Methods"]


def test_chunk_doc_keeps_page_order_and_gives_unique_ids() -> None:
    pages = tuple(
        Page(PID, i, f"Page {i} says one thing. Page {i} says another.") for i in range(3)
    )
    doc = ParsedDoc(Paper(PID, "T"), pages)

    passages = chunk_doc(doc, ParseSettings(max_chars=100, min_chars=1))

    assert [p.page_index for p in passages] == sorted(p.page_index for p in passages)
    assert {p.page_index for p in passages} == {0, 1, 2}
    assert len({p.id for p in passages}) == len(passages), "passage ids must be unique"
