"""Reports/s of `synth verify` on the local engine and on Ray with 1 and 2 workers, in one run
on this machine (ratios are what carries over), and the estimate for 10,000 reports.

Input: 20 generated reports of 5 claims (sentences of 8 corpus papers' abstracts, each citing
its paper; the default verifier, offline). Each configuration starts from a fresh home (the
model cache shared, so no model is built), i.e. every claim is verified.

    python -m bench.ray_engine [--reports 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.manifest import manifest, write_result
from synth.core.paths import Home
from synth.core.settings import default_home


def make_reports(path: Path, n: int, claims: int = 5, papers: int = 8) -> int:
    import gzip

    corpus = Path(__file__).resolve().parents[1] / "corpus" / "unarxive-2212.jsonl.gz"
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f][:papers]
    rows = []
    for r in range(n):
        record = records[r % papers]
        text = record["abstract"]["text"].replace("\n", " ")
        sentences = [s.strip() for s in text.split(". ") if len(s.strip()) > 40]
        for c in range(claims):
            # each report its own sentences (offset by the report): no claim repeats
            s = sentences[(r // papers + c) % len(sentences)].rstrip(".")
            rows.append(
                {
                    "report": f"r{r:03d}",
                    "claim": f"{s} (report {r}).",
                    "references": record["paper_id"],
                }
            )
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    return len(rows)


def run(reports: Path, home: Path, *extra: str) -> float:
    env = {
        **os.environ,
        "SYNTH_HOME": str(home),
        "SYNTH_RETRIEVE__MODEL_DIR": str(Home(default_home()).models),
    }
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "synth", "-q", "--offline", "verify", str(reports), "--json", *extra],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    summary = json.loads(done.stdout)
    assert summary["claims_checked"] == summary["claims"], summary
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(tmp) / "reports.jsonl"
        claims = make_reports(reports, args.reports)
        rows = {}
        for name, extra in [
            ("local", ()),
            ("ray, 1 worker", ("--engine", "ray", "--workers", "1")),
            ("ray, 2 workers", ("--engine", "ray", "--workers", "2")),
        ]:
            wall = run(reports, Path(tmp) / name.replace(" ", "_").replace(",", ""), *extra)
            rows[name] = {"wall_s": round(wall, 1), "reports_per_s": round(args.reports / wall, 3)}
            print(f"{name:16s} {wall:6.1f} s  {args.reports / wall:.3f} reports/s", flush=True)
    base = rows["local"]["wall_s"]
    for row in rows.values():
        row["speed_vs_local"] = round(base / row["wall_s"], 2)
    out = manifest(
        "ray_engine",
        ["python", "-m", "bench.ray_engine"],
        data=[Path(__file__).resolve().parents[1] / "corpus"],
        reports=args.reports,
        claims=claims,
        results=rows,
    )
    print(f"wrote {write_result('ray_engine', out)}")


if __name__ == "__main__":
    main()
