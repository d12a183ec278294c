"""Verifier quality, calibration and speed.

    python -m bench.verifier --verifier runs/verifier [--bootstrap 1000]

- SciFact RTE dev (209 pairs; supported = entailment, contradicted and NEI = not_entailment):
  accuracy, balanced accuracy, macro-F1 and ECE (15 bins), each with a bootstrap 95% interval,
  and a reliability diagram (PNG, needs the `bench` extra: matplotlib).
- The generated test split (held-out XQuAD-R articles and unarXive papers): three-way macro-F1
  overall, per claim language, and for claim language != evidence language.
- Natural three-way pairs, as `synth eval verifier` judges them: Check-COVID test (news claims
  against abstract sentences; never trained or selected on) with its reliability diagram, and
  XNLI test (15 languages, CC BY-NC: measured only, `--xnli-limit` pairs per language).
- Speed on this machine: claim-evidence pairs per second, and whole-claim latency with k = 10
  candidate sentences.
Writes bench/results/<date>_verifier.json (+ _reliability.png, _reliability_checkcovid.png).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bench.manifest import ROOT, manifest, write_result

SHARED = ROOT.parent / "shared" / "data"


def reliability_png(probs: np.ndarray, gold: np.ndarray, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from synth.verify.calibration import reliability_bins

    bins = [b for b in reliability_bins(probs, gold) if b["count"]]
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=120)
    ax.plot([0, 1], [0, 1], "--", color="grey", lw=1, label="perfect calibration")
    ax.bar(
        [(b["low"] + b["high"]) / 2 for b in bins],
        [b["observed"] for b in bins],
        width=1 / 15,
        alpha=0.6,
        edgecolor="black",
        label="observed share supported",
    )
    ax.plot(
        [b["mean_prob"] for b in bins],
        [b["observed"] for b in bins],
        "o",
        color="C3",
        label="bin mean confidence",
    )
    for b in bins:
        ax.annotate(
            str(b["count"]),
            ((b["low"] + b["high"]) / 2, b["observed"]),
            ha="center",
            va="bottom",
            fontsize=7,
        )
    ax.set(
        xlim=(0, 1), ylim=(0, 1.05), xlabel="P(supported)", ylabel="share entailment", title=title
    )
    ax.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifier", default="default")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--xnli-limit", type=int, default=300, help="pairs per language; 0: skip")
    args = parser.parse_args()

    from synth.app.context import Context
    from synth.core.console import NullProgress
    from synth.core.ids import PaperId
    from synth.core.settings import load_settings
    from synth.core.types import Claim, Evidence, Label
    from synth.fetch.corpus import iter_fulltext_records
    from synth.train.verifier_data import build_pairs
    from synth.verify.calibration import (
        accuracy,
        balanced_accuracy,
        binary_ece,
        bootstrap_ci,
        macro_f1,
        softmax,
    )
    from synth.verify.combine import pair_features, retriever_cosines
    from synth.verify.nli import LABELS
    from synth.verify.verifier import coverage, similarity_score

    settings = load_settings(overrides={"verify.model": args.verifier, "verify.decision": "max"})
    context = Context(settings, NullProgress())
    encoder, verifier = context.encoder, context.verifier
    splits = build_pairs(SHARED / "scifact", [SHARED / "xquad-r"], list(iter_fulltext_records()))

    def variants(pairs) -> dict[str, np.ndarray]:
        """(n, 3) probabilities of each way of deciding, from one pass of each model."""
        claims, evidences = [p.claim for p in pairs], [p.evidence for p in pairs]
        logits = verifier.logits(claims, evidences)
        cosines = retriever_cosines(encoder, claims, evidences)
        similarity = np.array(
            [
                similarity_score(c, coverage(a, b))
                for c, a, b in zip(cosines, claims, evidences, strict=True)
            ]
        )
        out = {
            "similarity-v1": np.column_stack(
                [similarity, np.zeros_like(similarity), 1 - similarity]
            ),
            "cross-encoder + temperature": softmax(logits, verifier.temperature),
        }
        if verifier.combiner is not None:
            features = pair_features(logits, cosines, claims, evidences)
            out["cross-encoder + combiner"] = verifier.combiner.probabilities(features)
        return out

    dev = splits["scifact_dev"]
    started = time.perf_counter()
    dev_variants = variants(dev)
    dev_seconds = time.perf_counter() - started
    gold = np.array([p.label is Label.SUPPORTED for p in dev], dtype=int)
    n = args.bootstrap
    scifact = {}
    for name, probs in dev_variants.items():
        p_support = probs[:, 0]
        predicted = (p_support >= 0.5).astype(int)
        scifact[name] = {
            "pairs": len(dev),
            "accuracy": bootstrap_ci(accuracy, predicted, gold, n_resamples=n),
            "balanced_accuracy": bootstrap_ci(balanced_accuracy, predicted, gold, n_resamples=n),
            "macro_f1": bootstrap_ci(
                lambda a, b: macro_f1(a, b, [0, 1]), predicted, gold, n_resamples=n
            ),
            "ece": bootstrap_ci(binary_ece, p_support, gold, n_resamples=n),
        }
    shipped = list(dev_variants)[-1]
    png = ROOT / "bench" / "results" / f"{time.strftime('%Y-%m-%d')}_verifier_reliability.png"
    try:
        reliability_png(
            dev_variants[shipped][:, 0], gold, png, f"SciFact RTE dev (209 pairs), {shipped}"
        )
    except ImportError:
        png = None

    from synth.app.evaluate import evaluate_verifier

    natural = {}
    check_covid = evaluate_verifier(
        context,
        SHARED / "nli" / "check_covid" / "pairs_flat.tsv",
        split="test",
        bootstrap=n,
        points=True,
    )
    cc_points = check_covid.pop("points")
    natural["check_covid_test"] = check_covid
    cc_png = png.with_name(png.stem + "_checkcovid.png") if png else None
    if cc_png:
        reliability_png(
            np.array(cc_points["p_supported"]),
            np.array(cc_points["supported"], dtype=int),
            cc_png,
            f"Check-COVID test ({check_covid['pairs']} pairs), {verifier.method}",
        )
    if args.xnli_limit:
        natural["xnli_test"] = evaluate_verifier(
            context, SHARED / "nli" / "xnli" / "test", limit=args.xnli_limit
        )

    test = splits["generated_test"]
    labels = [label.value for label in LABELS]
    t_gold = np.array([p.label.value for p in test])
    cross = np.array([p.claim_lang != p.evidence_lang for p in test])
    generated = {}
    for name, t_probs in variants(test).items():
        t_pred = np.array([LABELS[i].value for i in t_probs.argmax(axis=1)])
        by_lang = {}
        for lang in sorted({p.claim_lang for p in test}):
            mask = np.array([p.claim_lang == lang for p in test])
            by_lang[lang] = {
                "pairs": int(mask.sum()),
                "macro_f1": macro_f1(t_pred[mask], t_gold[mask], labels),
            }
        generated[name] = {
            "pairs": len(test),
            "macro_f1": macro_f1(t_pred, t_gold, labels),
            "cross_language_macro_f1": macro_f1(t_pred[cross], t_gold[cross], labels),
            "cross_language_pairs": int(cross.sum()),
            "per_claim_language": by_lang,
        }

    # speed: pairs per second, and one claim against k = 10 candidates
    claims = [p.claim for p in dev[:128]]
    evidences = [p.evidence for p in dev[:128]]
    verifier.probabilities(claims[:16], evidences[:16])  # warm-up
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        verifier.probabilities(claims, evidences)
        rates.append(len(claims) / (time.perf_counter() - start))
    pid = PaperId("arxiv:0000.00000")
    candidates = [Evidence(pid, 0, 0, len(e), e, 0.0) for e in evidences[:10]]
    latencies = []
    for claim in claims[:10]:
        start = time.perf_counter()
        verifier.verify(Claim("c", claim), candidates)
        latencies.append(time.perf_counter() - start)
    speed = {
        "pairs_per_s": statistics.median(rates),
        "runs": rates,
        "claim_latency_k10_s_median": statistics.median(latencies),
        "scifact_dev_wall_s": dev_seconds,
    }

    data = manifest(
        "verifier",
        [sys.executable, "-m", "bench.verifier", *sys.argv[1:]],
        data=[SHARED / "nli", SHARED / "scifact", SHARED / "xquad-r", ROOT / "corpus"],
        verifier=args.verifier,
        method=verifier.method,
        model_id=verifier.model_id,
        temperature=verifier.temperature,
        shipped_variant=shipped,
        scifact_dev=scifact,
        generated_test=generated,
        speed=speed,
        natural=natural,
        reliability_png=str(png.relative_to(ROOT)) if png else None,
        reliability_png_check_covid=str(cc_png.relative_to(ROOT)) if cc_png else None,
    )
    for name, metrics in scifact.items():
        line = ", ".join(
            f"{key} {metrics[key][0]:.3f} [{metrics[key][1]:.3f}, {metrics[key][2]:.3f}]"
            for key in ("balanced_accuracy", "accuracy", "macro_f1", "ece")
        )
        print(f"SciFact dev, {name}: {line}", file=sys.stderr)
    for name, metrics in generated.items():
        print(
            f"generated test, {name}: macro-F1 {metrics['macro_f1']:.3f} (cross-language "
            f"{metrics['cross_language_macro_f1']:.3f})",
            file=sys.stderr,
        )
    for name, metrics in natural.items():
        print(
            f"{name}: macro-F1 {metrics['macro_f1']:.3f}, balanced accuracy "
            f"{metrics['balanced_accuracy']:.3f}, ECE {metrics['ece']:.3f} ({metrics['pairs']} pairs)",
            file=sys.stderr,
        )
    print(f"{speed['pairs_per_s']:.1f} pairs/s", file=sys.stderr)
    print(write_result("verifier", data))


if __name__ == "__main__":
    main()
