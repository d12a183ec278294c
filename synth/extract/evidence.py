"""Claim + retrieved passages -> candidate evidence sentences with exact page offsets.

Each hit passage is split into sentences; offsets are shifted from passage to page, so every
candidate's quote is `page.text[start:end]`. The sentence a claim was extracted from is never
its own evidence.
"""

from __future__ import annotations

from collections.abc import Iterable

from synth.core.types import Claim, Evidence, Hit
from synth.parse.sentences import sentence_spans

MIN_QUOTE_CHARS = 20
# Bump when candidate selection changes: stored verdicts are keyed by it (verify.registry).
EVIDENCE_VERSION = 1


def _overlaps_claim(claim: Claim, paper_id: str, page_index: int, start: int, end: int) -> bool:
    return (
        claim.paper_id == paper_id
        and claim.page_index == page_index
        and claim.start is not None
        and claim.end is not None
        and start < claim.end
        and claim.start < end
    )


def candidate_sentences(
    claim: Claim, hits: Iterable[Hit], is_paragraph: dict[str, bool]
) -> list[Evidence]:
    """Evidence candidates (score 0 until a verifier scores them), in hit order, unique."""
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
