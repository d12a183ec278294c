"""Would a retriever-cosine cut of cross-paper checks change verdicts? (issue 27's lever
"fewer cross-encoder pairs where the retriever already says a paper does not address a
claim", measured at claim level before it ships.)

A report checks each claim against every selected paper; about three quarters of the
verifier's pairs are a claim against *another* paper. The cut: when no passage of that paper
reaches cosine τ with the claim (the retriever's query/passage cosine, the score of the top
passage the verifier's candidates come from), the check is "not enough info" without running
the verifier. Two measurements per τ:

- **reports**: questions over the bundled corpus, `synth report` as a user runs it; every
  cross-paper check with its verdict and its top cosine: the share of checks (and pairs) cut,
  and how many ✓ / × verdicts the cut would turn into ?;
- **claim sets**: labelled claims against their *cited* source (Check-COVID dev, SciFact dev
  pseudo-abstracts), the case the cut must leave alone: gold-supported and gold-contradicted
  claims whose source stays below τ, and the macro-F1 of the configured verifier with and
  without the cut.

    python -m bench.cosine_cut [--home DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from bench.manifest import ROOT, manifest, write_result

QUESTIONS = [
    "How does hybrid batch training affect language bias in multilingual retrieval?",
    "Does normalized contrastive learning improve text-video retrieval?",
    "What limits the accuracy of integer-only inference in quantized neural networks?",
    "How are optical networks monitored and recovered after a failure?",
    "Can generative adversarial networks model wireless channels at millimeter-wave frequencies?",
    "How well can ESG ratings be predicted from news articles?",
    "Do mixed-precision Runge-Kutta methods remain stable?",
    "How are text and audio fused when their sequences are unaligned?",
    "What is the spin wave damping of hematite at GHz frequencies?",
    "How do covert channels hide data in legitimate network traffic?",
]
SETS = {
    "check_covid_dev": (ROOT.parent / "shared/data/nli/check_covid", "dev"),
    "scifact_pseudo_dev": (ROOT / "runs/scifact-pseudo", "dev"),
}
TAUS = [0.0, 0.70, 0.72, 0.74, 0.76, 0.78, 0.80, 0.82]


def top_cosine(ctx, claim: str, passages) -> float:
    if not passages:
        return 0.0
    query = ctx.encoder.queries([claim])[0]
    return float(np.max(ctx.encoder.passages([p.text for p in passages]) @ query))


def report_checks(ctx, questions) -> list[dict]:
    from synth.app.report import build_report

    rows = []
    for question in questions:
        report = build_report(ctx, question, [])
        for checks in report.checks:
            for check in checks:
                if check.own:
                    continue
                verdict = check.verdict
                passages = ctx.library.passages([check.paper_id])
                rows.append(
                    {
                        "question": question,
                        "claim": verdict.claim.text,
                        "paper": check.paper_id,
                        "label": verdict.label.value,
                        "candidates": len(verdict.evidence),
                        "top_cosine": round(top_cosine(ctx, verdict.claim.text, passages), 4),
                    }
                )
    return rows


def claim_set_rows(ctx, data: Path, split: str) -> tuple[list[dict], dict]:
    from synth.app.evaluate import evaluate_claims
    from synth.core.ids import PaperId
    from synth.core.types import Page
    from synth.parse.chunk import chunk_page
    from synth.verify.claimsets import read_claim_set

    result = evaluate_claims(ctx, data, split=split, points=True)
    claims = read_claim_set(data, split).claims
    rows = []
    for labelled, gold, predicted, p in zip(
        claims,
        result["points"]["gold"],
        result["points"]["predicted"],
        result["points"]["p_supported"],
        strict=True,
    ):
        passages = [
            passage
            for doc in labelled.docs
            for passage in chunk_page(
                Page(PaperId(f"doc:{doc.id}"), 0, " ".join(doc.sentences), is_paragraph=True),
                ctx.settings.parse,
            )
        ]
        rows.append(
            {
                "gold": gold,
                "predicted": predicted,
                "p_supported": p,
                "top_cosine": round(top_cosine(ctx, labelled.claim, passages), 4),
            }
        )
    return rows, {k: result[k] for k in ("macro_f1", "claims", "verifier", "decision")}


def cut_reports(rows: list[dict], tau: float) -> dict:
    cut = [r for r in rows if r["top_cosine"] < tau]
    changed = Counter(r["label"] for r in cut if r["label"] != "not_enough_info")
    return {
        "checks_cut": round(len(cut) / len(rows), 3) if rows else None,
        "pairs_cut": round(
            sum(r["candidates"] for r in cut) / max(1, sum(r["candidates"] for r in rows)), 3
        ),
        "verdicts_changed": dict(changed),
    }


def cut_claims(rows: list[dict], tau: float) -> dict:
    from synth.core.types import Label
    from synth.verify.claimsets import claim_metrics

    gold = [Label(r["gold"]) for r in rows]
    predicted = [
        Label.NOT_ENOUGH_INFO if r["top_cosine"] < tau else Label(r["predicted"]) for r in rows
    ]
    below = [r for r in rows if r["top_cosine"] < tau]
    return {
        "macro_f1": round(
            claim_metrics(gold, predicted, [r["p_supported"] for r in rows])["macro_f1"], 4
        ),
        "gold_decided_below": sum(r["gold"] != "not_enough_info" for r in below),
        "claims_below": len(below),
    }


def main() -> None:
    from synth.app.context import Context
    from synth.core.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a home to use (default: a fresh one)")
    parser.add_argument("--question", action="append")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        settings = load_settings(home)
        ctx = Context(settings)
        reports = report_checks(ctx, args.question or QUESTIONS)
        sets = {}
        for name, (data, split) in SETS.items():
            if data.is_dir():
                rows, summary = claim_set_rows(ctx, data, split)
                sets[name] = {"summary": summary, "rows": rows}
    table = {}
    for tau in TAUS:
        table[str(tau)] = {
            "reports": cut_reports(reports, tau),
            **{name: cut_claims(s["rows"], tau) for name, s in sets.items()},
        }
        print(f"τ={tau:.2f}  {table[str(tau)]}")
    out = manifest(
        "cosine_cut",
        ["python", "-m", "bench.cosine_cut"],
        data=[ROOT / "corpus"],
        settings=settings,
        taus=table,
        report_checks=reports,
        claim_sets={name: {"summary": s["summary"], "rows": s["rows"]} for name, s in sets.items()},
    )
    print(f"wrote {write_result('cosine_cut', out)}")


if __name__ == "__main__":
    main()
