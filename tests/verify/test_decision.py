"""The claim decision: all of a claim's candidates -> one verdict, one distribution, and a ×
only where a sentence about the claim's subject really conflicts."""

from __future__ import annotations

import numpy as np
import pytest

from synth.core.types import Claim, Evidence, Label
from synth.verify.combine import Combiner
from synth.verify.decision import (
    CLAIM_FEATURES,
    ClaimDecision,
    DecisionModel,
    MaxRule,
    PairScores,
    claim_features,
)

CLAIM = Claim("c1", "XQuAD-R covers 7 languages and MLQA-R covers 11 languages.")


def _candidates(n: int) -> list[Evidence]:
    return [Evidence("arxiv:1", 0, 10 * i, 10 * i + 9, f"sentence {i}", 0.0) for i in range(n)]


def _scores(probs, cosine=None, coverage=None, veto=None, conflict=None) -> PairScores:
    probs = np.asarray(probs, float)
    n = len(probs)
    return PairScores(
        probs,
        np.asarray(cosine if cosine is not None else [0.85] * n, float),
        np.asarray(coverage if coverage is not None else [0.6] * n, float),
        tuple(veto or [None] * n),
        np.zeros(n, bool),
        tuple(conflict or [None] * n),
    )


def _model(threshold: float = 0.6) -> DecisionModel:
    """A hand-set regression: the claim's label follows the relevance-weighted pair
    probabilities (features s_weighted, c_weighted; NEI by default)."""
    weights = np.zeros((len(CLAIM_FEATURES), 3))
    weights[CLAIM_FEATURES.index("s_weighted"), 0] = 8.0
    weights[CLAIM_FEATURES.index("c_weighted"), 1] = 8.0
    bias = np.array([-4.0, -4.0, 0.0])
    n = len(CLAIM_FEATURES)
    return DecisionModel(Combiner(weights, bias, np.zeros(n), np.ones(n)), threshold)


def _decide(decision, scores):
    n = len(scores)
    return decision.decide(CLAIM, _candidates(n), scores, method="test", max_quotes=2)


def test_features_have_one_value_per_name_for_any_number_of_candidates():
    for n in (1, 3, 12):
        probs = np.full((n, 3), 1 / 3)
        assert claim_features(_scores(probs)).shape == (len(CLAIM_FEATURES),)


def test_one_false_contradiction_among_irrelevant_candidates_is_not_a_cross():
    # the most relevant sentence supports; a far-off one "contradicts" with 0.9
    probs = [[0.9, 0.05, 0.05], [0.2, 0.2, 0.6], [0.05, 0.9, 0.05]]
    scores = _scores(probs, cosine=[0.92, 0.80, 0.75], coverage=[0.8, 0.4, 0.2])
    assert _decide(MaxRule(), _scores([[0.3, 0.1, 0.6], [0.05, 0.9, 0.05]])).label is (
        Label.CONTRADICTED
    ), "the old rule: any contradicting candidate wins"
    verdict = _decide(ClaimDecision(_model()), scores)
    assert verdict.label is Label.SUPPORTED
    assert verdict.evidence[0].quote == "sentence 0"


def test_the_verdict_carries_one_distribution_and_its_confidence_is_p_supported():
    scores = _scores([[0.7, 0.1, 0.2], [0.3, 0.3, 0.4]], cosine=[0.9, 0.85])
    verdict = _decide(ClaimDecision(_model()), scores)
    probs = verdict.probabilities
    assert sum(probs.values()) == pytest.approx(1.0)
    assert verdict.confidence == pytest.approx(probs["supported"])


def test_a_contradiction_needs_the_threshold_and_a_sentence_about_the_subject():
    strong = [[0.02, 0.96, 0.02]]
    on_subject = _decide(ClaimDecision(_model(0.6)), _scores(strong, coverage=[0.6]))
    assert on_subject.label is Label.CONTRADICTED
    off_subject = _decide(ClaimDecision(_model(0.6)), _scores(strong, coverage=[0.1]))
    assert off_subject.label is Label.NOT_ENOUGH_INFO, "a sentence about something else"
    strict = _decide(ClaimDecision(_model(0.99)), _scores(strong, coverage=[0.6]))
    assert strict.label is Label.NOT_ENOUGH_INFO, "below the × threshold: an honest ?"


def test_a_rule_found_conflict_on_the_subject_is_a_cross_even_when_the_model_says_support():
    conflict = "number_conflict: claim xquadr 7 langu…, source xquadr 11 langu…"
    scores = _scores([[0.95, 0.02, 0.03]], coverage=[0.9], conflict=[conflict])
    verdict = _decide(ClaimDecision(_model()), scores)
    assert verdict.label is Label.CONTRADICTED
    assert verdict.reason == conflict
    assert verdict.confidence <= 0.2
    assert sum(verdict.probabilities.values()) == pytest.approx(1.0)


def test_a_vetoed_support_becomes_not_enough_info_with_the_reason():
    veto = "number_mismatch: claim 12%, source 21%"
    scores = _scores([[0.95, 0.02, 0.03]], veto=[veto])
    verdict = _decide(ClaimDecision(_model()), scores)
    assert verdict.label is Label.NOT_ENOUGH_INFO
    assert verdict.reason == veto and verdict.confidence <= 0.2


def test_no_candidates_is_not_enough_info_with_a_reason():
    verdict = ClaimDecision(_model()).decide(
        CLAIM, [], _scores(np.zeros((0, 3))), method="t", max_quotes=2
    )
    assert verdict.label is Label.NOT_ENOUGH_INFO and verdict.reason.startswith("no_candidates")


def test_a_fitted_model_survives_json(tmp_path):
    model = _model(0.55)
    path = tmp_path / "decision.json"
    import json

    path.write_text(json.dumps(model.to_dict()))
    again = DecisionModel.load(path)
    x = claim_features(_scores([[0.6, 0.2, 0.2], [0.1, 0.8, 0.1]]))
    assert again.contradiction_threshold == 0.55
    np.testing.assert_allclose(again.probabilities(x), model.probabilities(x))


def test_pair_scores_survive_a_round_trip():
    scores = _scores([[0.6, 0.2, 0.2]], veto=["v"], conflict=["c"])
    again = PairScores.from_dict(scores.to_dict())
    np.testing.assert_allclose(again.probs, scores.probs)
    assert again.veto == ("v",) and again.conflict == ("c",)
