"""Claim-level verification, the product's task: each labelled claim against its whole cited
abstract(s), through exactly the path `synth check` takes (`synth eval claims`), for each
claim decision (the learned one and the old max rule) on Check-COVID test and dev and SciFact
dev (pseudo-abstracts, `bench.scifact_pseudo`).

    python -m bench.claim_level [--verifier default] [--bootstrap 1000] [--set covid_test ...]

Writes bench/results/<date>_claim_level.json. SciFact dev and Check-COVID test are never fitted
or chosen on (`bench.fit_decision` chooses on Check-COVID dev).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.manifest import ROOT, manifest, write_result

SETS = {
    "covid_test": (ROOT.parent / "shared" / "data" / "nli" / "check_covid", "test"),
    "covid_dev": (ROOT.parent / "shared" / "data" / "nli" / "check_covid", "dev"),
    "scifact_dev": (ROOT / "runs" / "scifact-pseudo", "dev"),
}
KEYS = ("macro_f1", "accuracy", "ece", "x_on_supported", "x_precision", "precision", "recall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifier", default="default")
    parser.add_argument("--set", action="append", choices=sorted(SETS), dest="sets")
    parser.add_argument("--decision", action="append", choices=("learned", "max"))
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()

    from synth.app.context import Context
    from synth.app.evaluate import evaluate_claims
    from synth.core.console import NullProgress
    from synth.core.settings import load_settings

    if not (SETS["scifact_dev"][0] / "corpus.jsonl").is_file():
        from bench.scifact_pseudo import SCIFACT, build

        build(SCIFACT, SETS["scifact_dev"][0])
    results: dict = {}
    for decision in args.decision or ["learned", "max"]:
        settings = load_settings(
            overrides={"verify.model": args.verifier, "verify.decision": decision}
        )
        ctx = Context(settings, NullProgress())
        for name in args.sets or list(SETS):
            path, split = SETS[name]
            result = evaluate_claims(ctx, Path(path), split=split, bootstrap=args.bootstrap)
            row = {k: result[k] for k in KEYS} | {
                "claims": result["claims"],
                "intervals_95": result.get("intervals_95"),
                "claims_per_s": result["claims_per_s"],
                "verifier": result["verifier"],
            }
            results.setdefault(name, {})[decision] = row
            print(
                f"{name:12s} {decision:8s} macro-F1 {row['macro_f1']:.3f} acc {row['accuracy']:.3f}"
                f" ECE {row['ece']:.3f} x_on_S {row['x_on_supported']:.3f} x_prec "
                f"{row['x_precision'] if row['x_precision'] is None else round(row['x_precision'], 3)}"
                f" recall {json.dumps({k: round(v, 2) for k, v in row['recall'].items()})}",
                flush=True,
            )
    out = manifest(
        "claim_level",
        ["python", "-m", "bench.claim_level", "--verifier", args.verifier],
        results=results,
        data=[path for path, _ in SETS.values()],
    )
    print(f"wrote {write_result('claim_level', out)}")


if __name__ == "__main__":
    main()
