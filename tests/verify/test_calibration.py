"""Calibration math and classification metrics on inputs whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest

from synth.verify.calibration import (
    IsotonicCalibrator,
    TemperatureScaler,
    accuracy,
    balanced_accuracy,
    binary_ece,
    bootstrap_ci,
    macro_f1,
    reliability_bins,
)


def test_ece_of_a_perfectly_calibrated_predictor_is_zero():
    # four examples at 0.25 with one positive, four at 0.75 with three
    probs = np.array([0.25] * 4 + [0.75] * 4)
    labels = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    assert binary_ece(probs, labels) == pytest.approx(0.0)


def test_ece_weights_each_bins_gap_by_its_share():
    # bin of 0.9 (3 examples, all negative): gap 0.9; bin of 0.1 (1 example, negative): gap 0.1
    probs, labels = np.array([0.9, 0.9, 0.9, 0.1]), np.array([0, 0, 0, 0])
    assert binary_ece(probs, labels) == pytest.approx(0.75 * 0.9 + 0.25 * 0.1)


def test_reliability_bins_count_every_example_once():
    probs = np.linspace(0, 1, 31)
    bins = reliability_bins(probs, probs > 0.5)
    assert sum(b["count"] for b in bins) == 31 and len(bins) == 15


def test_balanced_accuracy_averages_per_class_recall():
    gold = np.array([1, 1, 1, 1, 0, 0])
    predicted = np.array([1, 1, 1, 1, 1, 0])
    assert accuracy(predicted, gold) == pytest.approx(5 / 6)
    assert balanced_accuracy(predicted, gold) == pytest.approx((1.0 + 0.5) / 2)


def test_macro_f1_by_hand():
    gold = np.array(["s", "s", "c", "n"])
    predicted = np.array(["s", "c", "c", "s"])
    # s: tp1 fp1 fn1 -> 0.5; c: tp1 fp1 fn0 -> 2/3; n: tp0 -> 0
    assert macro_f1(predicted, gold, ["s", "c", "n"]) == pytest.approx((0.5 + 2 / 3 + 0) / 3)


def test_bootstrap_interval_contains_the_estimate_and_is_reproducible():
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 2, 200)
    predicted = np.where(rng.random(200) < 0.8, gold, 1 - gold)
    first = bootstrap_ci(accuracy, predicted, gold, n_resamples=300, seed=1)
    assert first[1] <= first[0] <= first[2]
    assert first == bootstrap_ci(accuracy, predicted, gold, n_resamples=300, seed=1)


def test_temperature_scaling_softens_overconfident_logits():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 2000)
    # a classifier that is right 70% of the time but states ~99% confidence
    right = rng.random(2000) < 0.7
    predicted = np.where(right, labels, 1 - labels)
    logits = np.zeros((2000, 2))
    logits[np.arange(2000), predicted] = 5.0
    scaler = TemperatureScaler.fit(logits, labels)
    assert scaler.temperature > 3
    confidence = scaler(logits).max(axis=1)
    assert confidence.mean() == pytest.approx(0.7, abs=0.03)


def test_isotonic_calibration_is_monotone_and_matches_frequencies():
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])
    labels = np.array([0, 0, 1, 0, 1, 1, 1, 1])
    calibrate = IsotonicCalibrator.fit(scores, labels)
    out = calibrate(np.linspace(0, 1, 11))
    assert np.all(np.diff(out) >= 0)
    assert calibrate(np.array([0.95]))[0] == pytest.approx(1.0)
