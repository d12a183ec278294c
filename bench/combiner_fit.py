"""Which held-out pairs should the verifier's combiner be fitted on? Decided on dev pairs only.

    python -m bench.combiner_fit [--verifier default] [--folds 5]

The combiner (`synth.verify.combine`) turns the cross-encoder's logits and cheap pair features
into the probabilities behind every verdict and confidence. Training fits it on the 720-pair
calibration split, stratified over 11 sources (mostly general NLI). The product verifies claims
against papers, so this compares fit sets by how well they predict the claim-verification pairs
of the dev side (SciFact train claims held out by document, Check-COVID dev; never trained on):

- `calibration`: the calibration split (as trained);
- `claims`: the claim-verification dev pairs;
- `calibration+claims`: both;
- `temperature`: no combiner, the cross-encoder's logits with its fitted temperature.

Grouped K-fold over the claim-verification pairs (a document's pairs stay in one fold): every
fit set leaves out the test fold's documents, and out-of-fold predictions are scored by 3-way log
loss, macro-F1 (argmax), ECE of P(supported) and the balanced accuracy of P(supported) >= 0.5.
The claim-verification pairs are all English, so each fit set (fitted whole) is also scored on
the dev side's cross-language pairs outside the calibration split (claim and evidence in
different languages: XQuAD-R, Tatoeba), which no fit set contains.
SciFact dev and Check-COVID test are not read. Writes bench/results/<date>_combiner_fit.json.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from bench.manifest import ROOT, manifest, write_result

SHARED = ROOT.parent / "shared" / "data"


def folds_by_group(groups: list[str], k: int, seed: int = 0) -> np.ndarray:
    """Fold index per item; every item of a group in one fold (groups dealt round-robin in a
    seeded order)."""
    unique = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_of = {unique[j]: i % k for i, j in enumerate(order)}
    return np.array([fold_of[g] for g in groups])


def scores(probs: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    from synth.verify.calibration import balanced_accuracy, binary_ece, macro_f1

    supported = (gold == 0).astype(int)
    return {
        "log_loss": float(-np.mean(np.log(np.clip(probs[np.arange(len(gold)), gold], 1e-12, 1)))),
        "macro_f1": macro_f1(probs.argmax(axis=1), gold, [0, 1, 2]),
        "ece_supported": binary_ece(probs[:, 0], supported),
        "balanced_accuracy_supported": balanced_accuracy(
            (probs[:, 0] >= 0.5).astype(int), supported
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifier", default="default")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="the mixture's seed (v4: 0)")
    args = parser.parse_args()

    from synth.app.context import Context
    from synth.core.console import NullProgress
    from synth.core.settings import load_settings
    from synth.fetch.corpus import iter_fulltext_records
    from synth.train.nli_data import build_mixture
    from synth.train.verifier_loop import LABEL_INDEX, WEIGHTED_SOURCES
    from synth.verify.calibration import TemperatureScaler, bootstrap_ci, softmax
    from synth.verify.combine import Combiner

    splits = build_mixture(
        SHARED / "nli",
        SHARED / "scifact",
        [SHARED / "xquad-r"],
        list(iter_fulltext_records()),
        seed=args.seed,
    )
    calibration = splits["calibration"]
    claim_rest = [p for p in splits["dev_rest"] if p.source in WEIGHTED_SOURCES]
    cross_rest = [p for p in splits["dev_rest"] if p.claim_lang != p.evidence_lang]
    pairs = calibration + claim_rest + cross_rest
    is_claim = np.array([p.source in WEIGHTED_SOURCES for p in pairs])
    is_cross_rest = np.arange(len(pairs)) >= len(calibration) + len(claim_rest)
    in_calibration = np.arange(len(pairs)) < len(calibration)
    gold = np.array([LABEL_INDEX[p.label] for p in pairs])

    context = Context(load_settings(overrides={"verify.model": args.verifier}), NullProgress())
    verifier = context.verifier
    claims, evidences = [p.claim for p in pairs], [p.evidence for p in pairs]
    print(f"scoring {len(pairs)} pairs", file=sys.stderr, flush=True)
    logits = verifier.logits(claims, evidences)
    features = verifier.features(logits, claims, evidences)

    claim_index = np.flatnonzero(is_claim)
    fold = folds_by_group([pairs[i].group for i in claim_index], args.folds)
    groups = np.array([p.group for p in pairs])
    methods = ("calibration", "claims", "calibration+claims", "temperature")
    out_of_fold = {m: np.zeros((len(claim_index), 3)) for m in methods}
    for f in range(args.folds):
        test = claim_index[fold == f]
        held = np.isin(groups, groups[test])  # every pair of the test fold's documents
        fit_sets = {
            "calibration": in_calibration & ~held,
            "claims": is_claim & ~held,
            "calibration+claims": (in_calibration | is_claim) & ~held,
        }
        for name, mask in fit_sets.items():
            combiner = Combiner.fit(features[mask], gold[mask])
            out_of_fold[name][fold == f] = combiner.probabilities(features[test])
        mask = fit_sets["calibration"]
        scaler = TemperatureScaler.fit(logits[mask], gold[mask])
        out_of_fold["temperature"][fold == f] = softmax(logits[test], scaler.temperature)

    test_gold = gold[claim_index]
    results = {m: scores(out_of_fold[m], test_gold) for m in methods}
    whole = {
        "calibration": in_calibration,
        "claims": is_claim,
        "calibration+claims": in_calibration | is_claim,
    }
    for name, mask in whole.items():
        combiner = Combiner.fit(features[mask], gold[mask])
        cross = scores(combiner.probabilities(features[is_cross_rest]), gold[is_cross_rest])
        results[name]["cross_language"] = cross
    scaler = TemperatureScaler.fit(logits[in_calibration], gold[in_calibration])
    cross = scores(softmax(logits[is_cross_rest], scaler.temperature), gold[is_cross_rest])
    results["temperature"]["cross_language"] = cross
    for m, r in results.items():
        line = "  ".join(f"{k} {v:.3f}" for k, v in r.items() if k != "cross_language")
        print(f"{m:20} {line}", file=sys.stderr)
        line = "  ".join(f"{k} {v:.3f}" for k, v in r["cross_language"].items())
        print(f"{'':20} cross-language: {line}", file=sys.stderr)
    # paired bootstrap of each fit set's difference from the one training uses today
    base = out_of_fold["calibration"]
    for m in methods[1:]:
        for key in ("log_loss", "ece_supported"):
            ci = bootstrap_ci(
                lambda a, b, g, key=key: scores(a, g)[key] - scores(b, g)[key],
                out_of_fold[m],
                base,
                test_gold,
            )
            results[m][f"{key}_minus_calibration"] = ci
            print(
                f"{m:20} {key} - calibration: {ci[0]:+.3f} [{ci[1]:+.3f}, {ci[2]:+.3f}]",
                file=sys.stderr,
            )
    data = manifest(
        "combiner_fit",
        [sys.executable, "-m", "bench.combiner_fit", *sys.argv[1:]],
        data=[SHARED / "nli", SHARED / "scifact", SHARED / "xquad-r", ROOT / "corpus"],
        verifier=context.verifier_spec.identity,
        retriever=context.encoder.model_id,
        pairs={
            "calibration": int(in_calibration.sum()),
            "claim_verification": int(is_claim.sum()),
            "claim_verification_in_calibration": int((is_claim & in_calibration).sum()),
            "cross_language_outside_calibration": int(is_cross_rest.sum()),
            "claim_labels": np.bincount(test_gold, minlength=3).tolist(),
        },
        folds=args.folds,
        results=results,
    )
    print(write_result("combiner_fit", data))


if __name__ == "__main__":
    main()
