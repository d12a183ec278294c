"""Choose a verifier checkpoint at claim level on dev: every export a run kept
(`keep_evals`, evals/step-N) is calibrated once (`synth train-verifier --calibrate`) and
measured with `synth eval claims` (max rule) on Check-COVID dev and on SciFact dev claims
against pseudo-abstracts (bench/scifact_pseudo.py); the shipped verifier is measured beside
them. Results are cached per export in <run>/evals/step-N/claims_dev.json.

    python -m bench.select_verifier --run runs/verifier-v6 --config bench/configs/verifier_v6.toml
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench.manifest import manifest, write_result

SETS = {
    "check_covid_dev": ("../shared/data/nli/check_covid", "dev"),
    "scifact_pseudo_dev": ("runs/scifact-pseudo", "dev"),
}


def measure(verifier: str) -> dict:
    out = {}
    for name, (data, split) in SETS.items():
        if not Path(data).is_dir():
            continue
        done = subprocess.run(
            [sys.executable, "-m", "synth", "-q", "eval", "claims", "--data", data, "--split",
             split, "--verifier", verifier, "--decision", "max", "--json"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        r = json.loads(done.stdout)
        out[name] = {
            k: r[k]
            for k in ("macro_f1", "accuracy", "ece", "x_on_supported", "x_precision", "claims")
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args()
    rows = {"shipped (nli-e5-v4)": measure("default")}
    evals = sorted((args.run / "evals").glob("step-*"), key=lambda p: int(p.name.split("-")[1]))
    for export in evals:
        cached = export / "claims_dev.json"
        if not cached.is_file():
            if not (export / "calibration.json").is_file():
                subprocess.run(
                    [sys.executable, "-m", "synth", "-q", "train-verifier", "--config",
                     str(args.config), "--out", str(args.run), "--calibrate", str(export)],
                    check=True, capture_output=True,
                )  # fmt: skip
            cached.write_text(json.dumps(measure(str(export)), indent=2))
        rows[export.name] = json.loads(cached.read_text())
    for name, sets in rows.items():
        cells = "  ".join(f"{s} {m['macro_f1']:.3f}" for s, m in sets.items())
        print(f"{name:22s} {cells}")
    out = manifest(
        "select_verifier",
        ["python", "-m", "bench.select_verifier", "--run", str(args.run)],
        data=[Path(path) for path, _ in SETS.values()],
        rows=rows,
    )
    print(f"wrote {write_result('select_verifier_' + args.run.name, out)}")


if __name__ == "__main__":
    main()
