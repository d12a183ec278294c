"""How sure must the verifier be before it calls a claim contradicted? Decided on dev only.

    python -m bench.decision_rule [--thresholds 0.5,0.45,0.4,0.35,0.3,0.25] [--per-source 120]

The product calls a claim contradicted when its most contradicting candidate reaches
P(contradicted) >= 0.5 after the combiner (and no support >= 0.5 wins first). On XNLI (measured
only) that rule recalls 0.08 of the contradictions where the cross-encoder's own argmax recalls
0.26. This sweeps the contradiction threshold on dev data:

- pair level: the dev side's pairs outside the calibration split (`dev_rest` of the v4
  mixture), up to `--per-source` per source: five NLI languages, claims against papers and
  cross-language pairs, each judged as a claim with one candidate sentence;
- claim level: Check-COVID dev claims against their whole abstracts (`bench.claim_level`,
  sentence candidates), the product's task.

Verdicts are computed once. A threshold t relabels each verdict that is neither supported nor
vetoed by a guard: contradicted if its P(contradicted) >= t, else not enough info (at t = 0.5
this reproduces the product's labels, which is checked). Writes
bench/results/<date>_decision_rule.json.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict

import numpy as np

from bench.claim_level import CHECK_COVID, GOLD, claim_hits, read_abstracts, read_claims
from bench.manifest import ROOT, manifest, write_result

SHARED = ROOT.parent / "shared" / "data"


def relabel(verdict, threshold: float) -> str:
    from synth.core.types import Label

    if verdict.label is Label.SUPPORTED or verdict.reason:
        return verdict.label.value
    p_contra = (verdict.probabilities or {}).get(Label.CONTRADICTED.value, 0.0)
    return Label.CONTRADICTED.value if p_contra >= threshold else Label.NOT_ENOUGH_INFO.value


def sweep(verdicts, gold: np.ndarray, thresholds: list[float], groups=None) -> dict:
    from synth.verify.calibration import macro_f1

    labels = list(GOLD.values())
    product = np.array([v.label.value for v in verdicts])
    assert (np.array([relabel(v, 0.5) for v in verdicts]) == product).all(), "rule replica"
    out = {}
    for t in thresholds:
        predicted = np.array([relabel(v, t) for v in verdicts])
        row = {
            "macro_f1": macro_f1(predicted, gold, labels),
            "recall": {lab: float((predicted[gold == lab] == lab).mean()) for lab in labels},
            "predicted": {lab: int((predicted == lab).sum()) for lab in labels},
        }
        if groups is not None:
            per = {
                g: macro_f1(predicted[groups == g], gold[groups == g], labels)
                for g in sorted(set(groups))
            }
            row["per_source_macro_f1"] = per
            row["mean_source_macro_f1"] = float(np.mean(list(per.values())))
        out[str(t)] = row
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", default="0.5,0.45,0.4,0.35,0.3,0.25")
    parser.add_argument("--per-source", type=int, default=120)
    parser.add_argument("--verifier", default="default")
    args = parser.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]

    from synth.app.context import Context
    from synth.core.console import NullProgress
    from synth.core.ids import PaperId
    from synth.core.settings import load_settings
    from synth.core.types import Claim, Evidence
    from synth.extract.evidence import candidate_spans
    from synth.fetch.corpus import iter_fulltext_records
    from synth.train.nli_data import build_mixture

    settings = load_settings(overrides={"verify.model": args.verifier})
    context = Context(settings, NullProgress())
    verifier = context.verifier

    splits = build_mixture(
        SHARED / "nli", SHARED / "scifact", [SHARED / "xquad-r"], list(iter_fulltext_records())
    )
    by_source = defaultdict(list)
    for p in splits["dev_rest"]:
        if len(by_source[p.source]) < args.per_source:
            by_source[p.source].append(p)
    pairs = [p for source in sorted(by_source) for p in by_source[source]]
    print(f"pair level: {len(pairs)} dev pairs", file=sys.stderr, flush=True)
    items = [
        (
            Claim(f"pair{i}", p.claim),
            [Evidence(PaperId("pair"), 0, 0, len(p.evidence), p.evidence, 0.0)],
        )
        for i, p in enumerate(pairs)
    ]
    verdicts = [
        v for i in range(0, len(items), 32) for v in verifier.verify_many(items[i : i + 32])
    ]
    gold = np.array([p.label.value for p in pairs])
    groups = np.array([p.source for p in pairs])
    pair_level = sweep(verdicts, gold, thresholds, groups)

    print("claim level: Check-COVID dev", file=sys.stderr, flush=True)
    abstracts = read_abstracts(CHECK_COVID)
    rows = [r for r in read_claims(CHECK_COVID, "dev") if r["cord_id"] in abstracts]
    claims, hits = claim_hits(context.encoder, rows, abstracts, settings.verify.top_k)
    items = [
        (c, candidate_spans(c, h, {}, windows=False)) for c, h in zip(claims, hits, strict=True)
    ]
    verdicts = [v for i in range(0, len(items), 8) for v in verifier.verify_many(items[i : i + 8])]
    claim_level = sweep(verdicts, np.array([GOLD[r["label"]] for r in rows]), thresholds)

    for name, table in (("pair level", pair_level), ("claim level", claim_level)):
        for t, row in table.items():
            recall = " / ".join(f"{x:.2f}" for x in row["recall"].values())
            mean = row.get("mean_source_macro_f1")
            extra = f"  mean over sources {mean:.3f}" if mean is not None else ""
            print(f"{name} t={t}: macro-F1 {row['macro_f1']:.3f}  recall S/C/N {recall}{extra}")
    data = manifest(
        "decision_rule",
        [sys.executable, "-m", "bench.decision_rule", *sys.argv[1:]],
        verifier=context.verifier_spec.identity,
        pairs={s: len(v) for s, v in sorted(by_source.items())},
        claims=len(rows),
        pair_level=pair_level,
        claim_level=claim_level,
    )
    print(write_result("decision_rule", data))


if __name__ == "__main__":
    main()
