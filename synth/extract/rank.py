"""Claim candidates ranked for a question: relevance first, cue strength breaks near-ties."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from synth.extract.claims import Candidate
from synth.retrieve.embed import CachedEncoder

# a candidate's cue score (0-6) moves it by at most 0.06 of cosine: enough to order near-ties
CUE_WEIGHT = 0.01


def order_by_relevance(candidates: Sequence[Candidate], relevance: np.ndarray) -> list[Candidate]:
    """Candidates sorted by relevance + CUE_WEIGHT * cue score, best first (stable)."""
    keyed = sorted(
        zip(relevance, candidates, strict=True),
        key=lambda pair: -(pair[0] + CUE_WEIGHT * pair[1].cue_score),
    )
    return [candidate for _, candidate in keyed]


def rank_candidates(
    question: str, candidates: Sequence[Candidate], encoder: CachedEncoder
) -> list[Candidate]:
    """Candidates by the cosine of the question and the claim text under the retriever."""
    if not candidates:
        return []
    question_vector = encoder.queries([question])[0]
    texts = [c.claim.text for c in candidates]
    relevance = encoder.passages(texts, description="ranking claims") @ question_vector
    return order_by_relevance(candidates, relevance)
