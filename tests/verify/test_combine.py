"""The combiner: a logistic regression over cross-encoder logits and cheap pair features."""

from __future__ import annotations

import numpy as np

from synth.verify.combine import FEATURES, Combiner, pair_features, retriever_cosines


def test_features_come_in_the_documented_order():
    logits = np.array([[2.0, -1.0, 0.5]])
    features = pair_features(
        logits,
        np.array([0.9]),
        ["The learning rate is 3e-4 on XQuAD-R."],
        ["The learning rate is 3e-5 on MLQA-R."],
    )
    assert features.shape == (1, len(FEATURES))
    row = dict(zip(FEATURES, features[0], strict=True))
    assert (row["logit_supported"], row["cosine"]) == (2.0, 0.9)
    assert row["number_mismatch"] == 1.0 and row["name_mismatch"] == 1.0
    assert row["negation_mismatch"] == 0.0 and 0 < row["coverage"] < 1


def test_fit_learns_a_separable_rule_and_gives_probabilities():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, len(FEATURES)))
    gold = np.argmax(x[:, :3], axis=1)  # the label is the largest logit
    combiner = Combiner.fit(x, gold)
    probs = combiner.probabilities(x)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert (probs.argmax(axis=1) == gold).mean() > 0.9


def test_a_combiner_survives_its_json_form():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, len(FEATURES)))
    combiner = Combiner.fit(x, rng.integers(0, 3, size=50))
    again = Combiner.from_dict(combiner.to_dict())
    assert np.allclose(again.probabilities(x), combiner.probabilities(x))


def test_the_cosine_feature_encodes_each_claim_once_however_many_candidates_it_has():
    from tests.conftest import FakeEmbedder

    class Encoder:
        def __init__(self) -> None:
            self.embedder = FakeEmbedder(["bias", "retrieval"])

        def queries(self, texts):
            return self.embedder.encode(list(texts))

        def passages(self, texts):
            return self.embedder.encode(list(texts))

    encoder = Encoder()
    claims = ["Training reduces bias."] * 3 + ["Retrieval improves."]
    evidences = ["bias drops", "retrieval", "nothing here", "retrieval improves"]
    cosines = retriever_cosines(encoder, claims, evidences)
    each = [
        retriever_cosines(Encoder(), [c], [e])[0] for c, e in zip(claims, evidences, strict=True)
    ]
    assert np.allclose(cosines, each)
    claims_encoded = [t for t in encoder.embedder.encoded if t in claims]
    assert sorted(claims_encoded) == sorted(set(claims))
