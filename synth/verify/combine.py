"""The verifier's last layer: the cross-encoder's logits and cheap pair features -> calibrated
three-way probabilities, by a multinomial logistic regression fitted on the calibration split.

Why: the cross-encoder alone is over-confident off its training distribution, and it does not
see what cheap checks see well: how similar the retriever finds the two sentences, how much of
the claim's wording the evidence contains, and whether the numbers and named datasets/models
agree. The regression weighs them on held-out labelled pairs, so its output is the calibrated
probability (a temperature is then unnecessary).

Features (per claim/evidence pair, in FEATURES order): the three logits; the retriever's cosine
of `query: claim` and `passage: evidence`; the share of the claim's content words in the
evidence; 1 if a number guard fires; 1 if a name guard fires; 1 if exactly one side is negated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from synth.verify.guards import name_mismatch, negation_mismatch, number_mismatch
from synth.verify.verifier import coverage

FEATURES = (
    "logit_supported",
    "logit_contradicted",
    "logit_not_enough_info",
    "cosine",
    "coverage",
    "number_mismatch",
    "name_mismatch",
    "negation_mismatch",
)


def retriever_cosines(encoder, claims: Sequence[str], evidences: Sequence[str]) -> np.ndarray:
    """Row-wise cosine of `query: claim` and `passage: evidence` under the retriever (its
    vectors are normalised, so the dot product is the cosine). Each distinct text is encoded
    once: a claim comes once per candidate sentence."""
    return np.einsum("ij,ij->i", _each_once(encoder.queries, claims), encoder.passages(evidences))


def _each_once(encode, texts: Sequence[str]) -> np.ndarray:
    unique = list(dict.fromkeys(texts))
    row = {text: i for i, text in enumerate(unique)}
    return encode(unique)[[row[t] for t in texts]]


def pair_features(
    logits: np.ndarray, cosines: np.ndarray, claims: Sequence[str], evidences: Sequence[str]
) -> np.ndarray:
    """(n, len(FEATURES)) float array."""
    rows = [
        [
            coverage(c, e),
            float(number_mismatch(c, e) is not None),
            float(name_mismatch(c, e) is not None),
            float(negation_mismatch(c, e) is not None),
        ]
        for c, e in zip(claims, evidences, strict=True)
    ]
    cheap = np.array(rows, dtype=np.float64).reshape(len(claims), 4)
    return np.column_stack([np.asarray(logits, np.float64), np.asarray(cosines, np.float64), cheap])


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class Combiner:
    weights: np.ndarray  # (n_features, n_classes), on standardised features
    bias: np.ndarray  # (n_classes,)
    mean: np.ndarray  # (n_features,)
    scale: np.ndarray  # (n_features,)

    @classmethod
    def fit(
        cls, features: np.ndarray, gold: np.ndarray, n_classes: int = 3, l2: float = 1e-2
    ) -> Combiner:
        """Full-batch gradient descent on the mean cross-entropy + l2 * |W|^2 (convex, so the
        result does not depend on initialisation)."""
        mean = features.mean(axis=0)
        scale = features.std(axis=0)
        scale[scale < 1e-9] = 1.0
        x = (features - mean) / scale
        y = np.eye(n_classes)[gold]
        w = np.zeros((x.shape[1], n_classes))
        b = np.zeros(n_classes)
        lr = 0.5
        for _ in range(3000):
            p = _softmax(x @ w + b)
            grad = (p - y) / len(x)
            w -= lr * (x.T @ grad + 2 * l2 * w)
            b -= lr * grad.sum(axis=0)
        return cls(w, b, mean, scale)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return _softmax(((features - self.mean) / self.scale) @ self.weights + self.bias)

    def to_dict(self, features: Sequence[str] = FEATURES) -> dict:
        return {
            "features": list(features),
            "weights": self.weights.tolist(),
            "bias": self.bias.tolist(),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict, features: Sequence[str] = FEATURES) -> Combiner:
        """The regression stored by `to_dict`; its feature names must be `features`."""
        if list(data["features"]) != list(features):
            raise ValueError(f"regression features {data['features']} != {list(features)}")
        return cls(
            *(np.array(data[k], dtype=np.float64) for k in ("weights", "bias", "mean", "scale"))
        )
