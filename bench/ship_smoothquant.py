"""Make the shipped SmoothQuant maxima of the default retriever (synth/models/retriever/
smoothquant.npz: its down-projections' inputs) and verifier (synth/models/verifier/
smoothquant.npz: its feed-forward inputs): export each to ONNX once with the calibration
session, keep the per-channel input maxima, and check that an export from the shipped file
gives the same graph. Rerun whenever a delta (or the verifier's head), `calibration.txt` or the
length cut changes (the file records all three; a stale file is ignored and the export
calibrates).

    python -m bench.ship_smoothquant [--models DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from synth.core.paths import Home
from synth.core.settings import default_home
from synth.retrieve.embed import SHIPPED_DELTA, SHIPPED_SMOOTHQUANT, resolve_encoder
from synth.verify.registry import _onnx_id, resolve_verifier
from synth.weights import delta_model_dir
from synth.weights.onnx import (
    MODEL_FILE,
    _export,
    _max_length,
    calibration_key,
    save_maxima,
    shipped_maxima,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="model cache (default: the user's)")
    args = parser.parse_args()
    models = args.models or Home(default_home()).models
    model_id, _, _ = resolve_encoder("default")
    _, source = delta_model_dir(models, SHIPPED_DELTA, what="retriever")
    ship(SHIPPED_SMOOTHQUANT, calibration_key(model_id, _max_length(source)), source, None)
    delta, head, _ = resolve_verifier("default", model_id, "onnx-int8").files
    verifier_id, source = delta_model_dir(models, delta, what="verifier")
    key = calibration_key(_onnx_id(verifier_id, head), _max_length(source))
    ship(delta.with_name("smoothquant.npz"), key, source, head)


def ship(file: Path, key: str, source: Path, head: Path | None) -> None:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        start = time.perf_counter()
        maxima = _export(source, Path(a), head)
        calibrated_s = time.perf_counter() - start
        save_maxima(file, key, maxima)
        start = time.perf_counter()
        _export(source, Path(b), head, maxima=shipped_maxima(file, key))
        shipped_s = time.perf_counter() - start
        same = [hashlib.sha256((Path(d) / MODEL_FILE).read_bytes()).hexdigest() for d in (a, b)]
    print(f"wrote {file} for {key}")
    print(
        f"export with calibration {calibrated_s:.1f} s, from the shipped maxima {shipped_s:.1f} s"
    )
    print("identical graphs" if same[0] == same[1] else "GRAPHS DIFFER")


if __name__ == "__main__":
    main()
