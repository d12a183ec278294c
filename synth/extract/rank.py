"""Claim candidates ranked for a question: relevance first, then what the sentence does (a
finding before a description of the method), cue strength breaks near-ties."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from synth.core.types import ClaimKind
from synth.extract.claims import Candidate
from synth.retrieve.embed import CachedEncoder

# a candidate's cue score (0-6) moves it by at most 0.06 of cosine: enough to order near-ties
CUE_WEIGHT = 0.01
# a finding is preferred to an equally relevant method statement by 0.08 of cosine: about the
# spread of the claims that make one report (bench/claim_roles.py measures the roles)
ROLE_WEIGHT = {ClaimKind.RESULT: 0.05, ClaimKind.METHOD: -0.03, ClaimKind.SETTING: -0.03}


def _score(relevance: float, candidate: Candidate) -> float:
    role = ROLE_WEIGHT.get(candidate.claim.kind, 0.0)
    return float(relevance) + CUE_WEIGHT * candidate.cue_score + role


def order_by_relevance(candidates: Sequence[Candidate], relevance: np.ndarray) -> list[Candidate]:
    """Candidates sorted by relevance + CUE_WEIGHT * cue score + ROLE_WEIGHT, best first
    (stable)."""
    keyed = sorted(zip(relevance, candidates, strict=True), key=lambda pair: -_score(*pair))
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
