"""Which of the verifier's MatMuls can run in int8, and at what cost in labels: variants of its
ONNX export against the fp32 graph, on SciFact RTE dev and the generated test split (the
product's probabilities: cross-encoder logits through the shipped combiner, the retriever's
cosines held fixed), with pairs/s on 2 threads.

    python -m bench.verifier_quant [--limit N]

Variants, each built from the verifier's fp32 graph traced with eager attention: export v3
(q/k/v int8, unfused), then fused by onnxruntime's transformer optimizer with every Attention
and weight MatMul int8: plain, or after SmoothQuant of the feed-forward inputs (alpha 0.75 /
0.85; inputs whose peak channel exceeds 15x / 30x the median stay fp32), with and without an
fp16 word-embedding table; and the product's export v4 as `synth` builds it.
Writes bench/results/<date>_verifier_quant.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from bench.manifest import ROOT, manifest, write_result

SHARED = ROOT.parent / "shared" / "data"


def _session(path: Path, threads: int = 2):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _logits(path: Path, encodings, repeats: int = 2) -> tuple[np.ndarray, float]:
    """Logits, and the best of `repeats` timed passes after a warm-up batch (a session's
    first runs pay for allocation and are not what a report's hundreds of pairs see)."""
    from synth.weights.onnx import MAX_BATCH_TOKENS, padded, token_batches

    session = _session(path)
    out = np.zeros((len(encodings), 3), dtype=np.float32)
    batches = token_batches([len(e.ids) for e in encodings], 16, MAX_BATCH_TOKENS)
    ids, mask = padded([encodings[i] for i in batches[-1]])
    session.run(None, {"input_ids": ids, "attention_mask": mask})
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for rows in batches:
            ids, mask = padded([encodings[i] for i in rows])
            out[rows] = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        best = min(best, time.perf_counter() - start)
    return out, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="pairs per split (0: all)")
    parser.add_argument("--work", type=Path, default=ROOT / "runs" / "vquant")
    args = parser.parse_args()

    from synth.app.context import Context
    from synth.core.console import NullProgress
    from synth.core.settings import load_settings
    from synth.fetch.corpus import iter_fulltext_records
    from synth.train.verifier_data import build_pairs
    from synth.verify.combine import pair_features, retriever_cosines
    from synth.verify.registry import build_verifier
    from synth.weights import onnx as ox

    ctx = Context(load_settings(), NullProgress())
    spec = ctx.verifier_spec
    _, model_dir, shipped = build_verifier(spec, ctx.home.models)
    head = spec.files[1]
    verifier = ctx.verifier
    args.work.mkdir(parents=True, exist_ok=True)
    tokenizer = ox._tokenizer(shipped / "tokenizer.json", verifier.max_length)

    splits = build_pairs(SHARED / "scifact", [SHARED / "xquad-r"], list(iter_fulltext_records()))
    data = {}
    for name in ("scifact_dev", "generated_test"):
        pairs = splits[name][: args.limit or None]
        claims, evidences = [p.claim for p in pairs], [p.evidence for p in pairs]
        encodings = tokenizer.encode_batch(
            [("query: " + c, "passage: " + e) for c, e in zip(claims, evidences, strict=True)]
        )
        cosines = retriever_cosines(ctx.encoder, claims, evidences)
        data[name] = (claims, evidences, encodings, cosines)

    import onnx
    from onnxruntime.transformers import optimizer

    eager = args.work / "verifier.eager.onnx"
    if not eager.exists():
        ox.export_fp32(model_dir, eager, head, eager=True)
    maxima = ox.input_maxima(eager, ox._calibration_pairs(shipped / "tokenizer.json", 512))
    graph = onnx.load(str(eager), load_external_data=False)
    ffn = {n.input[0] for n in graph.graph.node if ox._is_feed_forward(n)}
    qkv_only = {n.name for n in graph.graph.node if n.op_type == "MatMul"} - {
        n.name for n in graph.graph.node if "/attention/self/" in n.name
    }
    del graph
    ffn_maxima = {k: v for k, v in maxima.items() if k in ffn}

    def variant(name: str, alpha, limit: float, half: bool, fuse: bool = True) -> Path:
        out = args.work / f"{name}.onnx"
        if out.exists():
            return out
        import shutil

        work, fused = args.work / "work.onnx", args.work / "work.fused.onnx"
        shutil.copy(eager, work)
        keep = ox.smooth_inputs(work, ffn_maxima, alpha, limit) if alpha else set()
        if half:
            ox.half_embeddings(work)
        if fuse:
            optimizer.optimize_model(
                str(work), model_type="bert", num_heads=12, hidden_size=384, opt_level=0
            ).save_model_to_file(str(fused))
        else:
            shutil.copy(work, fused)
            keep = qkv_only
        ox.quantise_fused(fused, out, keep)
        work.unlink()
        fused.unlink()
        return out

    inf = float("inf")
    variants = {
        "v3: q/k/v int8, unfused": variant("v3", None, inf, False, fuse=False),
        "fused, all int8, plain": variant("fused-plain", None, inf, False),
        "fused, all int8, FFN smoothed a0.75": variant("fused-sq75", 0.75, inf, False),
        "fused, all int8, FFN smoothed a0.85, >30x fp32": variant(
            "fused-sq85-l30", 0.85, 30, False
        ),
        "fused, all int8, FFN smoothed a0.75, >15x fp32": variant(
            "fused-sq75-l15", 0.75, 15, False
        ),
        "the same, fp16 word embeddings": variant("fused-sq75-l15-h", 0.75, 15, True),
        "export v4 (as synth builds it)": shipped / ox.MODEL_FILE,
    }
    reference = {name: _logits(eager, enc)[0] for name, (_, _, enc, _) in data.items()}

    def product(logits, claims, evidences, cosines):
        return verifier.combiner.probabilities(pair_features(logits, cosines, claims, evidences))

    results = {}
    for label, path in variants.items():
        row = {"file_mb": round(path.stat().st_size / 1e6, 1)}
        for name, (claims, evidences, encodings, cosines) in data.items():
            logits, seconds = _logits(path, encodings)
            a = product(reference[name], claims, evidences, cosines)
            b = product(logits, claims, evidences, cosines)
            row[name] = {
                "pairs": len(claims),
                "same_label": round(float(np.mean(a.argmax(1) == b.argmax(1))), 4),
                "same_supported": round(float(np.mean((a[:, 0] >= 0.5) == (b[:, 0] >= 0.5))), 4),
                "within_0.02": round(float(np.mean(np.abs(a - b).max(1) <= 0.02)), 4),
                "mean_abs_dp": round(float(np.abs(a - b).max(1).mean()), 4),
                "pairs_per_s": round(len(claims) / seconds, 1),
            }
        results[label] = row
        cells = "  ".join(
            f"{n}: label {r['same_label']:.3f} sup {r['same_supported']:.3f} "
            f"|dP| {r['mean_abs_dp']:.3f} {r['pairs_per_s']:.0f}/s"
            for n, r in row.items()
            if isinstance(r, dict)
        )
        print(f"{label:45s} {row['file_mb']:6.1f} MB  {cells}", flush=True)
    out = manifest(
        "verifier_quant",
        [sys.executable, "-m", "bench.verifier_quant", *sys.argv[1:]],
        data=[SHARED / "scifact", SHARED / "xquad-r", ROOT / "corpus"],
        threads=2,
        omp=os.environ.get("OMP_NUM_THREADS"),
        results=results,
    )
    print(f"wrote {write_result('verifier_quant', out)}")


if __name__ == "__main__":
    main()
