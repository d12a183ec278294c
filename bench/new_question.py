"""A new question on a warm home of N papers: wall time and peak RSS of `synth report`.

For each N: N distinct PDFs of real unarXive paragraphs (`bench/corpus_pdfs.py --mixed`) are
added to a home beside the bundled corpus, and one question warms it (every paper's abstract
embedded, models built). That warm home is then copied once per new question, so every
question meets the same warm state and nothing of another question's is cached: the timed
command pays for what a user's next question pays for (selecting papers, embedding the
selected papers' passages, extracting and verifying claims, rendering).

    python -m bench.new_question --papers 100 1000 10000 [--index] [--profile]

With `--index` the questions run on a copy of the warm home after `synth index` (every
passage embedded when papers are added, timed once as `index`), as a user who indexes asks.

Homes and PDFs stay in `runs/scale/` (a rerun reuses them); models are shared from
`runs/scale/models`.
"""

from __future__ import annotations

import argparse
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus_pdfs import make_mixed_pdf, records
from bench.manifest import ROOT, manifest, write_result

WARM_UP = "What limits the accuracy of integer-only inference in quantized neural networks?"
QUESTIONS = [
    "How does hybrid batch training affect language bias in multilingual retrieval?",
    "Does normalized contrastive learning improve text-video retrieval?",
    "How are optical networks monitored and recovered after a failure?",
]


def _run(argv: list[str], env: dict) -> dict:
    """Wall seconds and peak RSS (GB, the largest of the process and its children)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(argv[:4])} failed: {proc.stderr.read().decode()[-2000:]}")
    children = max(usage.ru_maxrss, 0)
    return {"wall_s": round(wall, 2), "peak_rss_gb": round(children / 1024 / 1024, 3)}


def _pdfs(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pool = records()
    paths = []
    for i in range(n):
        path = folder / f"mixed-{i:05d}.pdf"
        if not path.exists():
            make_mixed_pdf(i, pool, path)
        paths.append(path)
    return paths


def _warm_home(work: Path, n: int, env: dict) -> tuple[Path, dict]:
    """The home with N added papers and one question asked (made once, then reused)."""
    home = work / f"home-{n}"
    done = home / "WARM"
    if done.exists():
        return home, {}
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = {**env, "SYNTH_HOME": str(home)}
    paths = _pdfs(work / "pdfs", n)
    timings = {}
    synth = [sys.executable, "-m", "synth", "-q"]
    batch = 500  # argv length
    start = time.perf_counter()
    for i in range(0, len(paths), batch):
        _run([*synth, "add", *map(str, paths[i : i + batch])], env)
    timings["add_s"] = round(time.perf_counter() - start, 1)
    timings["warm_up"] = _run([*synth, "report", "--question", WARM_UP, "-f", "json"], env)
    done.write_text("warm\n")
    return home, timings


def _indexed_home(work: Path, n: int, env: dict) -> tuple[Path, dict]:
    """The warm home after `synth index` (made once, then reused)."""
    warm, _ = _warm_home(work, n, env)
    home = work / f"home-{n}-indexed"
    done = home / "INDEXED"
    if done.exists():
        return home, {}
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(warm, home)
    env = {**env, "SYNTH_HOME": str(home)}
    timings = {"index": _run([sys.executable, "-m", "synth", "-q", "index"], env)}
    done.write_text("indexed\n")
    return home, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--work", type=Path, default=ROOT / "runs" / "scale")
    parser.add_argument("--question", action="append", help="new questions (default: three)")
    parser.add_argument("--index", action="store_true", help="ask on a home after `synth index`")
    parser.add_argument("--profile", action="store_true", help="cProfile each new question")
    parser.add_argument("--models", type=Path, help="a model cache to share (default: in --work)")
    args = parser.parse_args()
    questions = args.question or QUESTIONS
    env = {**os.environ, "SYNTH_RETRIEVE__MODEL_DIR": str(args.models or args.work / "models")}
    results = {}
    for n in args.papers:
        home, setup = (_indexed_home if args.index else _warm_home)(args.work, n, env)
        rows = []
        for question in questions:
            with tempfile.TemporaryDirectory(dir=args.work) as tmp:
                copy = Path(tmp) / "home"
                shutil.copytree(home, copy)
                run_env = {**env, "SYNTH_HOME": str(copy)}
                argv = [sys.executable]
                profile = Path(tmp) / "profile.out"
                if args.profile:
                    argv += ["-m", "cProfile", "-o", str(profile)]
                argv += ["-m", "synth", "-q", "report", "--question", question, "-f", "json"]
                row = {"question": question, **_run(argv, run_env)}
                if args.profile:
                    stats = pstats.Stats(str(profile))
                    stats.sort_stats("cumulative").print_stats(35)
                rows.append(row)
                print(
                    f"{n:6d} papers  {row['wall_s']:6.2f} s  {row['peak_rss_gb']:.2f} GB  {question}"
                )
        results[f"{n}{'+index' if args.index else ''}"] = {
            "setup": setup,
            "questions": rows,
            "wall_s_max": max(r["wall_s"] for r in rows),
            "peak_rss_gb_max": max(r["peak_rss_gb"] for r in rows),
        }
    out = manifest(
        "new_question",
        [sys.executable, "-m", "bench.new_question", *sys.argv[1:]],
        data=[ROOT / "corpus"],
        results=results,
        profiled=args.profile,
        indexed=args.index,
    )
    name = "new_question_indexed" if args.index else "new_question"
    print(f"wrote {write_result(name, out)}")


if __name__ == "__main__":
    main()
