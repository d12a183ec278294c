"""Calibration and classification metrics for the verifier. Pure numpy/scipy/sklearn.

`binary_ece` measures how far a probability of "supported" is from the observed frequency:
15 equal-width bins over [0, 1], each bin's |mean probability - share of positives| weighted
by its share of the examples. Fitting (temperature or isotonic) must use labelled pairs the
model did not train on; the reporting split is never used for fitting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


def binary_ece(probs: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> float:
    probs, labels = np.asarray(probs, float), np.asarray(labels, float)
    if len(probs) == 0:
        return 0.0
    # bin i holds (i/n, (i+1)/n]; probability 0 goes to the first bin
    bins = np.clip(np.ceil(probs * n_bins).astype(int) - 1, 0, n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            total += mask.mean() * abs(probs[mask].mean() - labels[mask].mean())
    return float(total)


def reliability_bins(probs: np.ndarray, labels: np.ndarray, n_bins: int = 15) -> list[dict]:
    """Per bin: range, count, mean probability, observed share (for a reliability diagram)."""
    probs, labels = np.asarray(probs, float), np.asarray(labels, float)
    bins = np.clip(np.ceil(probs * n_bins).astype(int) - 1, 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        mask = bins == b
        out.append(
            {
                "low": b / n_bins,
                "high": (b + 1) / n_bins,
                "count": int(mask.sum()),
                "mean_prob": float(probs[mask].mean()) if mask.any() else None,
                "observed": float(labels[mask].mean()) if mask.any() else None,
            }
        )
    return out


def accuracy(predicted: np.ndarray, gold: np.ndarray) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(gold)))


def balanced_accuracy(predicted: np.ndarray, gold: np.ndarray) -> float:
    """Mean per-class recall over the classes present in `gold`."""
    predicted, gold = np.asarray(predicted), np.asarray(gold)
    return float(np.mean([np.mean(predicted[gold == c] == c) for c in np.unique(gold)]))


def macro_f1(predicted: np.ndarray, gold: np.ndarray, labels: Sequence | None = None) -> float:
    predicted, gold = np.asarray(predicted), np.asarray(gold)
    classes = (
        list(labels) if labels is not None else list(np.unique(np.concatenate([gold, predicted])))
    )
    scores = []
    for c in classes:
        tp = np.sum((predicted == c) & (gold == c))
        fp = np.sum((predicted == c) & (gold != c))
        fn = np.sum((predicted != c) & (gold == c))
        scores.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores))


def bootstrap_ci(
    metric: Callable[..., float],
    *arrays: np.ndarray,
    n_resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """(point estimate, low, high): percentile bootstrap over examples, fixed seed."""
    arrays = tuple(np.asarray(a) for a in arrays)
    n = len(arrays[0])
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        index = rng.integers(0, n, n)
        values.append(metric(*(a[index] for a in arrays)))
    tail = (1 - level) / 2 * 100
    return (
        float(metric(*arrays)),
        float(np.percentile(values, tail)),
        float(np.percentile(values, 100 - tail)),
    )


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, float) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True, slots=True)
class TemperatureScaler:
    """Divides logits by one fitted temperature (Guo et al., 2017): ranking unchanged."""

    temperature: float = 1.0

    @classmethod
    def fit(cls, logits: np.ndarray, labels: np.ndarray) -> TemperatureScaler:
        from scipy.optimize import minimize_scalar

        logits, labels = np.asarray(logits, float), np.asarray(labels, int)

        def nll(log_t: float) -> float:
            p = softmax(logits, float(np.exp(log_t)))
            return float(-np.mean(np.log(p[np.arange(len(labels)), labels] + 1e-12)))

        best = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
        return cls(float(np.exp(best.x)))

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        return softmax(logits, self.temperature)


@dataclass(frozen=True, slots=True)
class IsotonicCalibrator:
    """A monotone map from a score to a probability (pool-adjacent-violators)."""

    thresholds: tuple[float, ...]
    values: tuple[float, ...]

    @classmethod
    def fit(cls, scores: np.ndarray, labels: np.ndarray) -> IsotonicCalibrator:
        from sklearn.isotonic import IsotonicRegression

        model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        model.fit(np.asarray(scores, float), np.asarray(labels, float))
        return cls(tuple(map(float, model.X_thresholds_)), tuple(map(float, model.y_thresholds_)))

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        return np.interp(np.asarray(scores, float), self.thresholds, self.values)
