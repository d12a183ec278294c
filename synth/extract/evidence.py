"""Claim + retrieved passages -> candidate evidence spans with exact page offsets.

Each hit passage is split into sentences; offsets are shifted from passage to page, so every
candidate's quote is `page.text[start:end]`. The sentence a claim was extracted from is never
its own evidence, nor part of a larger span.

A claim may need two sentences of its source ("We train on X. It reduces bias by 20%."), so
besides single sentences the candidates include windows of two adjacent sentences and the
best passage as a whole (`Evidence.span` says which); the verifier then reports which span
decided. Windows and passages stay verbatim: contiguous text of one page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from synth.core.types import Claim, Evidence, Hit
from synth.parse.sentences import sentence_spans

MIN_QUOTE_CHARS = 20
_WORD = re.compile(r"\w+")
# Bump when candidate selection changes: stored verdicts are keyed by it (verify.registry).
EVIDENCE_VERSION = 3
# content-word overlap (Jaccard) at which a sentence is a restatement of the claim: in the
# claim's own paper such a sentence is the same statement again, not evidence for it
NEAR_COPY = 0.6
MAX_SENTENCES = 12  # single sentences scored per claim, in hit order
MAX_WINDOWS = 6  # windows of two adjacent sentences, from the best-ranked sentences


def _overlaps_claim(claim: Claim, paper_id: str, page_index: int, start: int, end: int) -> bool:
    return (
        claim.paper_id == paper_id
        and claim.page_index == page_index
        and claim.start is not None
        and claim.end is not None
        and start < claim.end
        and claim.start < end
    )


def _stems(text: str) -> set[str]:
    return {w.lower()[:5] for w in _WORD.findall(text) if len(w) > 3}


def near_copy(claim: str, sentence: str) -> bool:
    """Whether `sentence` restates `claim` nearly word for word."""
    a, b = _stems(claim), _stems(sentence)
    return bool(a and b) and len(a & b) / len(a | b) >= NEAR_COPY


def candidate_sentences(
    claim: Claim,
    hits: Iterable[Hit],
    is_paragraph: dict[str, bool],
    *,
    skip_near_copies: bool = False,
) -> list[Evidence]:
    """Evidence candidates (score 0 until a verifier scores them), in hit order, unique; with
    `skip_near_copies`, none that restates the claim (`near_copy`)."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Evidence] = []
    for hit in hits:
        passage = hit.passage
        for s, e in sentence_spans(passage.text):
            start, end = passage.start + s, passage.start + e
            key = (passage.paper_id, passage.page_index, start)
            if key in seen or e - s < MIN_QUOTE_CHARS:
                continue
            if _overlaps_claim(claim, passage.paper_id, passage.page_index, start, end):
                continue
            if skip_near_copies and near_copy(claim.text, passage.text[s:e]):
                continue
            seen.add(key)
            out.append(
                Evidence(
                    passage.paper_id,
                    passage.page_index,
                    start,
                    end,
                    passage.text[s:e],
                    0.0,
                    passage.section,
                    is_paragraph.get(passage.paper_id, False),
                )
            )
    return out


def candidate_spans(
    claim: Claim,
    hits: Sequence[Hit],
    is_paragraph: dict[str, bool],
    *,
    max_sentences: int = MAX_SENTENCES,
    max_windows: int = MAX_WINDOWS,
    windows: bool = True,
    skip_near_copies: bool = False,
) -> list[Evidence]:
    """The first `max_sentences` sentences (`candidate_sentences`); with `windows`, then
    windows of two adjacent ones among them and the top passage whole when it holds more than
    two sentences and not the claim's own."""
    sentences = candidate_sentences(claim, hits, is_paragraph, skip_near_copies=skip_near_copies)[
        :max_sentences
    ]
    if not windows:
        return sentences
    pairs: list[Evidence] = []
    texts = {(h.passage.paper_id, h.passage.page_index, h.passage.start): h.passage for h in hits}
    for first, second in zip(sentences, sentences[1:], strict=False):
        if len(pairs) == max_windows:
            break
        passage = _shared_passage(first, second, texts)
        if passage is None:
            continue
        gap = passage.text[first.end - passage.start : second.start - passage.start]
        if gap.strip():
            continue  # something (the claim's own sentence, a fragment) lies between them
        quote = passage.text[first.start - passage.start : second.end - passage.start]
        pairs.append(replace(first, end=second.end, quote=quote, span="window"))
    out = sentences + pairs
    if hits:
        top = hits[0].passage
        overlaps = _overlaps_claim(claim, top.paper_id, top.page_index, top.start, top.end)
        if len(sentence_spans(top.text)) > 2 and not overlaps:
            out.append(
                Evidence(
                    top.paper_id,
                    top.page_index,
                    top.start,
                    top.end,
                    top.text,
                    0.0,
                    top.section,
                    is_paragraph.get(top.paper_id, False),
                    span="passage",
                )
            )
    return out


def _shared_passage(first: Evidence, second: Evidence, passages: dict):
    """The passage holding both sentences, in order, or None."""
    if (first.paper_id, first.page_index) != (second.paper_id, second.page_index):
        return None
    if second.start < first.end:
        return None
    for (paper_id, page_index, start), passage in passages.items():
        if (paper_id, page_index) == (first.paper_id, first.page_index) and (
            start <= first.start and second.end <= passage.end
        ):
            return passage
    return None
