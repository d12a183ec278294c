"""Sentence boundaries with character offsets, for any script. Pure functions, no I/O.

Rule-based on purpose: it must be deterministic, fast, and never move a character, since
quotes are `text[start:end]` slices. Handles common scientific abbreviations (e.g., et al.,
Fig.), decimals, and the sentence terminators of CJK, Devanagari, Arabic and Thai text.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "al",
    "fig",
    "figs",
    "eq",
    "eqs",
    "sec",
    "secs",
    "tab",
    "vs",
    "cf",
    "etc",
    "resp",
    "no",
    "nos",
    "approx",
    "ref",
    "refs",
    "dr",
    "mr",
    "mrs",
    "prof",
    "st",
    "ch",
    "vol",
    "pp",
    "ca",
    "viz",
    "thm",
    "def",
    "lem",
    "prop",
    "cor",
    "app",
    "appx",
    "incl",
}
# A Latin-style terminator ends a sentence when space and a sentence start follow: anything
# but a lowercase letter (so CJK, Devanagari or Arabic text after a full stop starts anew).
_LATIN_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?(?P<next>\S))")
# These terminators end a sentence wherever they stand.
_WIDE_END = re.compile(r"[。！？!?；]+|[।॥؟۔]+|(?<=[.!?])\s*\n\s*\n")
_THAI_SPACE = re.compile(r"(?<=[\u0E00-\u0E7F]) +(?=[\u0E00-\u0E7F])")


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at `dot` ends an abbreviation or an initial rather than a sentence."""
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot].lower().strip(".")
    if word in _ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha() and text[dot - 1].isupper()  # "J. Smith"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans (start, end) of the sentences in `text`, trimmed of surrounding whitespace.

    Every non-space character of `text` lies in exactly one span.
    """
    cuts: set[int] = set()
    for match in _LATIN_END.finditer(text):
        if match.group("next").islower():
            continue
        if match.group().startswith(".") and _is_abbreviation(text, match.start()):
            continue
        cuts.add(match.end())
    for pattern in (_WIDE_END, _THAI_SPACE):
        for match in pattern.finditer(text):
            cuts.add(match.end())
    for match in re.finditer(r"\n\s*\n", text):  # a blank line always ends a sentence
        cuts.add(match.start())
    spans = []
    start = 0
    for cut in sorted(cuts) + [len(text)]:
        span = _trim(text, start, cut)
        if span:
            spans.append(span)
        start = cut
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]
