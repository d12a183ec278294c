"""Int8 deltas: what ships on top of the base weights must reproduce the tuned weights."""

from __future__ import annotations

import numpy as np
import pytest

from synth.weights.delta import dequantize, load_delta, quantize_delta, save_delta


def test_int8_row_quantisation_errs_by_at_most_half_a_step_per_row():
    rng = np.random.default_rng(0)
    delta = rng.normal(0, 1e-3, size=(64, 32)).astype(np.float32)
    stored = {"w" + k: v for k, v in quantize_delta(delta).items()}
    restored = dequantize(stored, "w")
    step = np.abs(delta).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(restored - delta) <= step / 2 + 1e-9)


def test_vectors_are_stored_as_float16():
    stored = quantize_delta(np.array([1e-3, -2e-3, 0.0], dtype=np.float32))
    assert stored[""].dtype == np.float16 and len(stored) == 1


def test_a_zero_row_stays_zero():
    delta = np.zeros((3, 4), dtype=np.float32)
    delta[1] = [1.0, -1.0, 0.5, 0.25]
    restored = dequantize({"w" + k: v for k, v in quantize_delta(delta).items()}, "w")
    assert np.all(restored[0] == 0) and np.all(restored[2] == 0)
    assert np.allclose(restored[1], delta[1], atol=1 / 127)


def test_saved_delta_round_trips_and_skips_unchanged_tensors(tmp_path):
    base = {
        "a.weight": np.ones((4, 4), np.float32),
        "a.bias": np.zeros(4, np.float32),
        "frozen": np.full((2, 2), 3.0, np.float32),
    }
    tuned = {
        "a.weight": base["a.weight"] + 0.01,
        "a.bias": base["a.bias"] - 0.02,
        "frozen": base["frozen"].copy(),
    }
    path = tmp_path / "delta.safetensors"
    save_delta(base, tuned, path, {"step": 7})
    tensors, meta = load_delta(path)
    assert "frozen" not in tensors and meta["step"] == "7"
    assert np.allclose(
        base["a.weight"] + dequantize(tensors, "a.weight"), tuned["a.weight"], atol=1e-6
    )
    assert np.allclose(dequantize(tensors, "a.bias"), -0.02, atol=1e-5)


def test_quantised_delta_is_about_a_quarter_of_float32(tmp_path):
    rng = np.random.default_rng(1)
    base = {"w": np.zeros((256, 256), np.float32)}
    save_delta(
        base,
        {"w": rng.normal(0, 1e-3, (256, 256)).astype(np.float32)},
        tmp_path / "d.safetensors",
        {},
    )
    assert (tmp_path / "d.safetensors").stat().st_size < 256 * 256 * 4 / 3.5


@pytest.mark.parametrize("shape", [(8,), (8, 8), (4, 2, 3)])
def test_any_shape_round_trips(shape):
    delta = np.random.default_rng(2).normal(0, 1, shape).astype(np.float32)
    restored = dequantize({"x" + k: v for k, v in quantize_delta(delta).items()}, "x")
    assert restored.shape == delta.shape
    assert np.allclose(restored, delta, atol=np.abs(delta).max() / 127 + 1e-3)
