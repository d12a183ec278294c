"""Make the default retriever's shipped SmoothQuant maxima (synth/models/retriever/
smoothquant.npz): export the retriever to ONNX once with the calibration session, keep the
down-projections' per-channel input maxima, and check that an export from the shipped file
gives the same graph. Rerun whenever the retriever delta, `calibration.txt` or the length cut
changes (the file records all three; a stale file is ignored and the export calibrates).

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
    key = calibration_key(model_id, _max_length(source))
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        start = time.perf_counter()
        maxima = _export(source, Path(a))
        calibrated_s = time.perf_counter() - start
        save_maxima(SHIPPED_SMOOTHQUANT, key, maxima)
        start = time.perf_counter()
        _export(source, Path(b), maxima=shipped_maxima(SHIPPED_SMOOTHQUANT, key))
        shipped_s = time.perf_counter() - start
        same = [hashlib.sha256((Path(d) / MODEL_FILE).read_bytes()).hexdigest() for d in (a, b)]
    print(f"wrote {SHIPPED_SMOOTHQUANT} for {key}")
    print(
        f"export with calibration {calibrated_s:.1f} s, from the shipped maxima {shipped_s:.1f} s"
    )
    print("identical graphs" if same[0] == same[1] else "GRAPHS DIFFER")


if __name__ == "__main__":
    main()
