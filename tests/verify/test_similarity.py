"""similarity-v1: the documented formula, two-way labels, quotes best first."""

from __future__ import annotations

import math

import numpy as np

from synth.core.ids import PaperId
from synth.core.types import Claim, Evidence, Label
from synth.verify.verifier import SimilarityVerifier, coverage, similarity_score


class FixedEncoder:
    """Claim vector e0; each candidate's vector gives the cosine chosen by the test."""

    def __init__(self, cosines):
        self.cosines = cosines

    def queries(self, texts):
        return np.array([[1.0, 0.0]])

    def passages(self, texts):
        return np.array([[c, math.sqrt(1 - c * c)] for c in self.cosines[: len(texts)]])


def _evidence(quote):
    return Evidence(PaperId("arxiv:2408.10536"), 0, 0, len(quote), quote, 0.0)


def test_the_score_is_the_documented_logistic_function():
    assert similarity_score(0.86, 0.5) == 0.5
    assert similarity_score(0.90, 1.0) == 1 / (1 + math.exp(-(40 * 0.04 + 6 * 0.5)))


def test_coverage_is_the_share_of_claim_content_stems_in_the_sentence():
    assert coverage("Hybrid batches reduce language bias", "hybrid batching reduces bias") == 0.8


def test_a_close_sentence_supports_and_a_distant_one_does_not_and_never_contradicts():
    claim = Claim("c", "Hybrid batch training reduces language bias.")
    close = _evidence("Hybrid batch training reduces language bias.")
    far = _evidence("The weather was pleasant.")
    verdict = SimilarityVerifier(FixedEncoder([0.97, 0.40])).verify(claim, [close, far])
    assert verdict.label is Label.SUPPORTED and verdict.confidence > 0.9
    assert [e.quote for e in verdict.evidence] == [close.quote, far.quote]  # best first
    weak = SimilarityVerifier(FixedEncoder([0.40])).verify(claim, [far])
    assert weak.label is Label.NOT_ENOUGH_INFO and weak.confidence < 0.5


def test_no_candidates_is_not_enough_info_with_a_reason():
    verdict = SimilarityVerifier(FixedEncoder([])).verify(Claim("c", "x"), [])
    assert verdict.label is Label.NOT_ENOUGH_INFO and verdict.reason.startswith("no_candidates")
