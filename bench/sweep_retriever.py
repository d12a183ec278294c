"""Retriever v3 sweep: one factor at a time from a base recipe, judged on the dev articles.

    python -m bench.sweep_retriever --out runs/sweep-v3 [--base bench/configs/retriever_v3.toml]
        [--stages alpha,tatoeba_share[,batch_size,temperature,positives_per_question]]
        [--values tatoeba_share=0.25,0.5] [--threads 2]

Each stage trains one run per value of its factor (the others at the best values so far) and
keeps the value whose best checkpoint has the highest dev score (mean of Mo/Cr/Mul mAP on the
dev articles' own sentence pool; XQuAD-R test is never looked at). Every run is a `synth
train` process with its own directory, so an interrupted sweep resumes where it stopped: rerun
the same command. A larger batch keeps the number of triplets seen (steps scale down).
Writes bench/results/<date>_retriever_sweep.json with every run: its recipe, best dev
metrics, median s/step and peak memory. `--values FACTOR=V1,V2` (repeatable) runs only those
values of a stage, the first being the base's, when the time budget allows no more.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tomllib
from pathlib import Path

from bench.manifest import ROOT, manifest, write_result

# The base recipe's value comes first in each stage, so an interrupted sweep has the base run to
# compare against, and the next stage finds that run already done (same directory) instead of
# training it again.
STAGES: dict[str, list] = {
    "alpha": [0.5, 0.25, 0.75],
    # 0.5 before 0.0: more parallel signal is the hypothesis, so it runs first
    "tatoeba_share": [0.25, 0.5, 0.0],
    "batch_size": [256, 512],
    "temperature": [0.02, 0.05],
    # issue 14 item 4: each question in 4 of its 11 languages per cross-lingual batch, all its
    # answers positives (bench/configs/retriever_v3.toml's runs: 1)
    "positives_per_question": [1, 4],
}
# every run is named by these; a factor outside them joins the name when not at its default,
# so runs from before it existed keep their directories
NAMED = ("alpha", "tatoeba_share", "batch_size", "temperature")


def run_name(recipe: dict) -> str:
    from synth.train.loop import TrainConfig

    parts = [f"{k}{recipe[k]}" for k in NAMED]
    for key in STAGES:
        if key not in NAMED and recipe.get(key, TrainConfig.model_fields[key].default) != (
            TrainConfig.model_fields[key].default
        ):
            parts.append(f"{key}{recipe[key]}")
    return "-".join(parts)


def toml_line(key: str, value) -> str:
    """One TOML assignment (strings, numbers, booleans and lists of them, as json writes them)."""
    return f"{key} = {json.dumps(value)}"


def parse_values(option: str) -> tuple[str, list]:
    """`alpha=0.5,0.75` -> ("alpha", [0.5, 0.75]): a stage's values, as TOML numbers."""
    factor, _, listed = option.partition("=")
    try:
        if factor not in STAGES or not listed:
            raise ValueError(factor)
        return factor, [json.loads(v) for v in listed.split(",")]
    except ValueError:  # json.JSONDecodeError included: a value that is no TOML number
        raise SystemExit(
            f"--values {option!r}: expected FACTOR=V1,V2 (numbers) with FACTOR in {list(STAGES)}"
        ) from None


def run_summary(run: Path) -> dict:
    """Best dev evaluation, median seconds per step and peak memory of one run directory."""
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    evals = [r for r in rows if "dev_retrieval" in r]
    best = max(evals, key=lambda r: _score(r["dev_retrieval"]), default=None)
    return {
        "steps_done": rows[-1]["step"] if rows else 0,
        "best_step": best["step"] if best else None,
        "dev": best["dev_retrieval"] if best else None,
        "dev_score": _score(best["dev_retrieval"]) if best else None,
        "s_per_step_median": statistics.median(r["seconds"] for r in rows) if rows else None,
        "peak_rss_mb": max((r.get("peak_rss_mb", 0) for r in evals), default=None),
    }


def _score(dev: dict) -> float:
    return (dev["mo_map"] + dev["cr_map"] + dev["mul_map"]) / 3


def train_run(recipe: dict, run: Path, threads: int) -> dict:
    run.mkdir(parents=True, exist_ok=True)
    config = run / "recipe.toml"
    config.write_text("\n".join(toml_line(k, v) for k, v in recipe.items()) + "\n")
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    command = [sys.executable, "-m", "synth", "train", "--config", str(config), "--out", str(run)]
    print(f"training {run.name}", file=sys.stderr, flush=True)
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    return run_summary(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--base", type=Path, default=ROOT / "bench/configs/retriever_v3.toml")
    parser.add_argument("--stages", default="alpha,tatoeba_share")
    parser.add_argument("--values", action="append", default=[], metavar="FACTOR=V1,V2")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    values = {**STAGES, **dict(parse_values(v) for v in args.values)}

    base = tomllib.loads(args.base.read_text(encoding="utf-8"))
    base["threads"] = args.threads
    triplets = base["batch_size"] * base["steps"]
    runs: list[dict] = []
    for factor in [s for s in args.stages.split(",") if s]:
        results = []
        for value in values[factor]:
            recipe = {**base, factor: value}
            if factor == "batch_size":  # same triplets seen: fewer, larger steps
                recipe["steps"] = max(1, triplets // value)
                recipe["warmup_steps"] = max(1, recipe["steps"] // 10)
                recipe["eval_every"] = max(1, recipe["steps"] // 8)
            name = run_name(recipe)
            summary = train_run(recipe, args.out / name, args.threads)
            results.append((summary["dev_score"] or float("-inf"), value, name, summary))
            runs.append({"stage": factor, "value": value, "run": name, "recipe": recipe, **summary})
        best_score, best_value, best_name, _ = max(results, key=lambda r: r[0])
        print(f"{factor}: best {best_value} ({best_name}, dev {best_score:.4f})", file=sys.stderr)
        base = {**base, factor: best_value}
        if factor == "batch_size":
            base["steps"] = max(1, triplets // best_value)

    data = manifest(
        "retriever_sweep",
        [sys.executable, "-m", "bench.sweep_retriever", *sys.argv[1:]],
        base=str(args.base),
        chosen=base,
        runs=runs,
    )
    print(write_result("retriever_sweep", data))


if __name__ == "__main__":
    main()
