"""Verifier agreement: torch fp32 vs the int8 ONNX runtime, on SciFact RTE dev and the
generated test split (as `bench.verifier` builds them), the product's probabilities
(cross-encoder + combiner).

    OMP_NUM_THREADS=1 python -m bench.verifier_onnx

Writes bench/results/<date>_verifier_onnx.json.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from bench.manifest import ROOT, manifest, write_result

SHARED = ROOT.parent / "shared" / "data"


def main() -> None:
    from synth.app.context import Context
    from synth.core.console import NullProgress
    from synth.core.settings import load_settings
    from synth.fetch.corpus import iter_fulltext_records
    from synth.train.verifier_data import build_pairs

    splits = build_pairs(SHARED / "scifact", [SHARED / "xquad-r"], list(iter_fulltext_records()))
    results = {}
    for name in ("scifact_dev", "generated_test"):
        pairs = splits[name]
        claims, evidences = [p.claim for p in pairs], [p.evidence for p in pairs]
        probs, seconds = {}, {}
        for runtime in ("torch", "onnx-int8"):
            overrides = {"verify.runtime": runtime, "retrieve.dtype": "fp32"}
            context = Context(load_settings(overrides=overrides), NullProgress())
            start = time.perf_counter()
            probs[runtime] = context.verifier.probabilities(claims, evidences)
            seconds[runtime] = time.perf_counter() - start  # model loading included
        a, b = probs["torch"], probs["onnx-int8"]
        results[name] = {
            "pairs": len(pairs),
            "same_label": float(np.mean(a.argmax(1) == b.argmax(1))),
            "same_supported_decision": float(np.mean((a[:, 0] >= 0.5) == (b[:, 0] >= 0.5))),
            "share_within_0.02": float(np.mean(np.abs(a - b).max(1) <= 0.02)),
            "mean_abs_p_supported": float(np.abs(a[:, 0] - b[:, 0]).mean()),
            "max_abs_p_supported": float(np.abs(a[:, 0] - b[:, 0]).max()),
            "seconds": seconds,
        }
        print(f"{name}: {results[name]}", file=sys.stderr)
    data = manifest("verifier_onnx", [sys.executable, "-m", "bench.verifier_onnx"], **results)
    print(write_result("verifier_onnx", data))


if __name__ == "__main__":
    main()
