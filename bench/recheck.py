"""Claims per second of `synth verify` on the five seed reports (offline, bundled corpus).

cold   = a fresh SYNTH_HOME (the model cache too): converts the encoder, applies the retriever
         delta, loads the corpus, embeds the cited papers' passages, verifies every claim;
models = a fresh SYNTH_HOME with the converted models reused (what a new library costs);
warm   = the `models` home with its stored verdicts deleted: models and embeddings cached,
         every claim verified again;
rerun  = the same home once more, nothing changed: every verdict comes from the library.
Each run is its own `synth -q --offline verify SEEDS --json` process; claims/s = claims / wall.

    python -m bench.recheck [--seeds ../shared/seeds] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.manifest import ROOT, manifest, write_result


def run_once(seeds: Path, home: Path, models: Path | None) -> dict:
    env = {**os.environ, "SYNTH_HOME": str(home)}
    env.pop("SYNTH_RETRIEVE__MODEL_DIR", None)
    if models is not None:
        env["SYNTH_RETRIEVE__MODEL_DIR"] = str(models)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "synth", "-q", "--offline", "verify", str(seeds), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"synth verify failed: {err.decode()[-2000:]}")
    summary = json.loads(out)
    return {
        "wall_s": wall,
        "claims": summary["claims"],
        "verified_now": summary["verified_now"],
        "claims_per_s": summary["claims"] / wall,
        "transitions": summary["transitions"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"cold": [], "models": [], "warm": [], "rerun": []}
    with tempfile.TemporaryDirectory() as shared_models:
        models = Path(shared_models)
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as cold_home, tempfile.TemporaryDirectory() as home:
                runs["cold"].append(run_once(args.seeds, Path(cold_home), None))
                runs["models"].append(run_once(args.seeds, Path(home), models))
                with sqlite3.connect(Path(home) / "library.sqlite") as conn:
                    conn.execute("DELETE FROM verdicts")
                runs["warm"].append(run_once(args.seeds, Path(home), models))
                runs["rerun"].append(run_once(args.seeds, Path(home), models))
    summary = {
        kind: {
            "wall_s_median": statistics.median(r["wall_s"] for r in rs),
            "claims_per_s_median": statistics.median(r["claims_per_s"] for r in rs),
            "verified_now": rs[0]["verified_now"],
        }
        for kind, rs in runs.items()
    }
    for kind, s in summary.items():
        print(
            f"{kind:7s} {s['wall_s_median']:6.1f} s  {s['claims_per_s_median']:6.2f} claims/s "
            f"({s['verified_now']} verified now)",
            file=sys.stderr,
        )
    data = manifest(
        "recheck",
        [sys.executable, "-m", "bench.recheck", *sys.argv[1:]],
        data=[args.seeds, ROOT / "corpus"],
        repeats=args.repeats,
        seeds=str(args.seeds),
        runs=runs,
        summary=summary,
        transitions=runs["cold"][0]["transitions"],
    )
    print(write_result("recheck", data))


if __name__ == "__main__":
    main()
