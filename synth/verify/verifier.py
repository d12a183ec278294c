"""Claim + candidate evidence -> Verdict. The Verifier protocol and its first implementation.

`SimilarityVerifier` (method "similarity-v1") is the skeleton's verifier. It scores each
candidate sentence with

    score = sigmoid(SLOPE * (cosine - COSINE_MID) + LEXICAL_WEIGHT * (coverage - 0.5))

where `cosine` is the e5 similarity of `query: claim` and `passage: sentence`, and `coverage`
is the share of the claim's content words (stem = first 5 letters) that occur in the
sentence. The best sentence's score is the verdict's confidence. It cannot tell a
contradiction from a paraphrase, so it never says "contradicted": a claim is `supported` when
the confidence reaches 0.5, else `not_enough_info`. The constants were set by hand on the
bundled corpus (see BENCHMARKS.md); this score is not a calibrated probability. The dedicated
verifier (issue 5) replaces it behind the same interface.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from synth.core.types import Claim, Evidence, Label, Verdict
from synth.retrieve.embed import CachedEncoder

SLOPE = 40.0
COSINE_MID = 0.86
LEXICAL_WEIGHT = 6.0
THRESHOLD = 0.5

_STOP = set(
    "the and for with that this from into onto than then were was are has have had been being "
    "which while where when what their there these those such also only both each more most "
    "other some very over under between across using used based show shows shown paper work "
    "approach method propose proposed results".split()
)
_WORD = re.compile(r"\w+")


def no_evidence(claim: Claim, method: str) -> Verdict:
    """The verdict when the sources offer no candidate sentence at all."""
    return Verdict(
        claim,
        Label.NOT_ENOUGH_INFO,
        0.0,
        (),
        method,
        reason="no_candidates: the sources have no other passage to check",
    )


class Verifier(Protocol):
    method: str
    description: str  # one sentence for a report's Methodology

    def verify(self, claim: Claim, candidates: Sequence[Evidence]) -> Verdict: ...

    def verify_many(self, items: Sequence[tuple[Claim, Sequence[Evidence]]]) -> list[Verdict]:
        """`verify` for each (claim, candidates); implementations may batch the scoring."""
        ...


def content_stems(text: str) -> set[str]:
    return {w.lower()[:5] for w in _WORD.findall(text) if len(w) > 3 and w.lower() not in _STOP}


def coverage(claim: str, sentence: str) -> float:
    wanted = content_stems(claim)
    if not wanted:
        return 0.0
    return len(wanted & content_stems(sentence)) / len(wanted)


def similarity_score(cosine: float, lexical: float) -> float:
    return 1.0 / (
        1.0 + math.exp(-(SLOPE * (cosine - COSINE_MID) + LEXICAL_WEIGHT * (lexical - 0.5)))
    )


class SimilarityVerifier:
    method = "similarity-v1"
    description = (
        "the best candidate sentence's score, a logistic function of the e5 cosine similarity "
        "and the share of the claim's content words it contains; supported (✓) at 0.5 and "
        "above, otherwise not enough information (?). It never reports a contradiction."
    )

    def __init__(self, encoder: CachedEncoder, max_quotes: int = 2) -> None:
        self.encoder = encoder
        self.max_quotes = max_quotes

    def verify_many(self, items: Sequence[tuple[Claim, Sequence[Evidence]]]) -> list[Verdict]:
        return [self.verify(claim, candidates) for claim, candidates in items]

    def verify(self, claim: Claim, candidates: Sequence[Evidence]) -> Verdict:
        if not candidates:
            return no_evidence(claim, self.method)
        claim_vector = self.encoder.queries([claim.text])[0]
        vectors = self.encoder.passages([c.quote for c in candidates])
        cosines = vectors @ claim_vector  # (n_candidates,)
        scored = [
            replace(c, score=similarity_score(float(cos), coverage(claim.text, c.quote)))
            for c, cos in zip(candidates, cosines, strict=False)
        ]
        scored.sort(key=lambda e: -e.score)
        best = scored[0].score
        label = Label.SUPPORTED if best >= THRESHOLD else Label.NOT_ENOUGH_INFO
        quotes = tuple(scored[: self.max_quotes])
        return Verdict(claim, label, float(np.clip(best, 0.0, 1.0)), quotes, self.method)
