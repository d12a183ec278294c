"""End-to-end time and peak memory of `synth report` on the bundled corpus, cold and warm.

cold  = a fresh SYNTH_HOME: converts the encoder, loads the corpus, embeds abstracts/passages
        (with --models DIR, a converted model cache is shared: cold minus the one-time model
        build, which the fast-inference issue reports separately).
warm  = the same home again: everything cached, only the question and claims are embedded.
Each run is its own process; peak memory is that process's max RSS (os.wait4).

    python -m bench.report_e2e [--repeats 3] [--question Q ...] [--models DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.manifest import ROOT, manifest, write_result

QUESTIONS = [
    "How does hybrid batch training affect language bias in multilingual retrieval?",
    "Does normalized contrastive learning improve text-video retrieval?",
]


def run_once(question: str, home: str, models: str | None = None) -> dict:
    env = {**os.environ, "SYNTH_HOME": home}
    env.pop("SYNTH_RETRIEVE__MODEL_DIR", None)  # cold means cold: the model cache is in home
    if models:
        env["SYNTH_RETRIEVE__MODEL_DIR"] = models
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "synth", "-q", "report", "--question", question, "-f", "json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"synth report failed: {proc.stderr.read().decode()[-2000:]}")
    return {"wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--question", action="append")
    parser.add_argument("--models", help="a converted model cache to share (see above)")
    args = parser.parse_args()
    questions = args.question or QUESTIONS
    results = []
    for question in questions:
        cold, warm = [], []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as home:
                cold.append(run_once(question, home, args.models))
                warm.append(run_once(question, home, args.models))
        summary = {
            "question": question,
            "cold": cold,
            "warm": warm,
            "cold_wall_s_median": statistics.median(r["wall_s"] for r in cold),
            "warm_wall_s_median": statistics.median(r["wall_s"] for r in warm),
            "cold_peak_rss_mb_max": max(r["peak_rss_mb"] for r in cold),
            "warm_peak_rss_mb_max": max(r["peak_rss_mb"] for r in warm),
        }
        results.append(summary)
        print(
            f"{question[:60]:60s} cold {summary['cold_wall_s_median']:6.1f} s "
            f"{summary['cold_peak_rss_mb_max']:6.0f} MB | warm {summary['warm_wall_s_median']:5.1f} s "
            f"{summary['warm_peak_rss_mb_max']:6.0f} MB",
            file=sys.stderr,
        )
    data = manifest(
        "report_e2e",
        [sys.executable, "-m", "bench.report_e2e", *sys.argv[1:]],
        data=[ROOT / "corpus"],
        repeats=args.repeats,
        shared_models=bool(args.models),
        results=results,
    )
    print(write_result("report_e2e", data))


if __name__ == "__main__":
    main()
