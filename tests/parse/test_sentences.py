"""synth.parse.sentences: sentence boundaries as offsets that never move a character."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synth.parse.sentences import sentence_spans, sentences

# Scientific-prose fragments that stress the rules, mixed with arbitrary text.
PIECES = st.sampled_from(
    [
        "We",
        "train",
        "BERT",
        "0.5",
        "3.14",
        "e.g.",
        "i.e.",
        "et al.",
        "Fig. 3",
        "J. Smith",
        ".",
        "!",
        "?",
        "。",
        "।",
        "؟",
        "这是",
        "ผล",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "\u3000",
        "\xa0",
    ]
)
PROSE = st.one_of(
    st.text(),
    st.lists(PIECES, max_size=60).map(" ".join),
    st.lists(PIECES, max_size=60).map("".join),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We use BERT, e.g. for tagging. It works.",
            ["We use BERT, e.g. for tagging.", "It works."],
        ),
        ("That is, i.e. Transformers win. Yes.", ["That is, i.e. Transformers win.", "Yes."]),
        ("As Smith et al. Showed, it works. Yes.", ["As Smith et al. Showed, it works.", "Yes."]),
        ("See Fig. 3 for details. Next one.", ["See Fig. 3 for details.", "Next one."]),
        ("Cf. Eq. 4 and Sec. 2. Done.", ["Cf. Eq. 4 and Sec. 2.", "Done."]),
        ("Work by J. Smith helps. Later.", ["Work by J. Smith helps.", "Later."]),
    ],
    ids=["e.g.", "i.e.", "et-al", "Fig.", "Eq.-Sec.", "initial"],
)
def test_abbreviations_do_not_end_a_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The loss fell to 0.5 and 3.14 is pi. Next.",
            ["The loss fell to 0.5 and 3.14 is pi.", "Next."],
        ),
        ("Accuracy rose from 0.71 to 0.85 overall.", ["Accuracy rose from 0.71 to 0.85 overall."]),
        ("We got 0.5. Then it rose.", ["We got 0.5.", "Then it rose."]),
    ],
    ids=["decimals-mid-sentence", "only-decimals", "decimal-before-full-stop"],
)
def test_decimal_points_do_not_end_a_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这是第一句。这是第二句。", ["这是第一句。", "这是第二句。"]),
        ("结果很好！真的吗？是的。", ["结果很好！", "真的吗？", "是的。"]),
        ("यह पहला वाक्य है। यह दूसरा है।", ["यह पहला वाक्य है।", "यह दूसरा है।"]),
    ],
    ids=["cjk-full-stop", "cjk-exclamation-question", "devanagari-danda"],
)
def test_non_latin_terminators_end_a_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_blank_line_ends_a_sentence_without_punctuation() -> None:
    assert sentences("2 Methodology\n\nWe train a model.") == ["2 Methodology", "We train a model."]


def test_sentence_spans_are_offsets_into_the_original_text() -> None:
    text = "  这是。See Fig. 2 here.\n  Done!  "

    spans = sentence_spans(text)

    assert spans == [(2, 5), (5, 21), (24, 29)]
    assert [text[s:e] for s, e in spans] == ["这是。", "See Fig. 2 here.", "Done!"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It works. 这是第二句。", ["It works.", "这是第二句。"]),
        ("It works. यह दूसरा है।", ["It works.", "यह दूसरा है।"]),
    ],
    ids=["latin-then-cjk", "latin-then-devanagari"],
)
def test_latin_full_stop_ends_a_sentence_before_another_script(
    text: str, expected: list[str]
) -> None:
    assert sentences(text) == expected


@given(PROSE)
def test_spans_are_ordered_trimmed_and_cover_every_non_space_character_once(text: str) -> None:
    spans = sentence_spans(text)

    covered = [0] * len(text)
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text), f"span {(start, end)} out of order"
        assert not text[start].isspace() and not text[end - 1].isspace(), "span is not trimmed"
        for i in range(start, end):
            covered[i] += 1
        previous_end = end
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert covered[i] == 1, f"{ch!r} at {i} lies in {covered[i]} spans"


@given(PROSE)
def test_only_whitespace_lies_between_sentences(text: str) -> None:
    spans = sentence_spans(text)

    bounds = [0] + [x for span in spans for x in span] + [len(text)]
    gaps = [text[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2)]

    assert all(gap.strip() == "" for gap in gaps), f"text dropped between sentences: {gaps!r}"
    assert "".join(g + text[s:e] for g, (s, e) in zip(gaps, spans, strict=False)) + gaps[-1] == text
