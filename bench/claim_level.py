"""Claim-level verification on Check-COVID: each claim against its whole cited abstract, as
`synth check` and `synth report` judge a claim against a source, with and without windows.

The pair-level benchmarks (`bench.verifier`) hand the verifier the gold evidence sentences.
Here the verifier gets what the product gets: the abstract chunked into passages
(`parse.chunk`), the top `verify.top_k` passages by the retriever, their sentences, and with
`--windows` also pairs of adjacent sentences and the best passage whole (`extract.evidence`).
The gold label is the claim's (SUPPORT / REFUTE / NOTENOUGHINFO: the abstract holds related
but insufficient sentences). Dev is where `verify.windows` is chosen; test is reported only.

    python -m bench.claim_level --verifier default [--split dev --split test] [--bootstrap 1000]

Writes bench/results/<date>_claim_level.json.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path

import numpy as np

from bench.manifest import ROOT, manifest, write_result

CHECK_COVID = ROOT.parent / "shared" / "data" / "nli" / "check_covid"
FILES = {
    "dev": ["covidCheck_dev_composed+extracted.json"],
    "test": ["covidCheck_test_composed.json", "covidCheck_test_extracted.json"],
}
GOLD = {"SUPPORT": "supported", "REFUTE": "contradicted", "NOTENOUGHINFO": "not_enough_info"}


def read_claims(directory: Path, split: str) -> list[dict]:
    rows = []
    for name in FILES[split]:
        text = (directory / name).read_text(encoding="utf-8")
        rows.extend(json.loads(line) for line in text.splitlines() if line.strip())
    return rows


def read_abstracts(directory: Path) -> dict[str, list[str]]:
    text = (directory / "corpus.json").read_text(encoding="utf-8")
    return {r["cord_id"]: r["abstract"] for r in map(json.loads, text.splitlines()) if r}


def claim_hits(encoder, rows: list[dict], abstracts: dict[str, list[str]], top_k: int):
    """(claims, hits): each claim and the top `top_k` passages of its cited abstract, chunked
    as synth chunks a paper's page and ranked by the retriever."""
    from synth.core.ids import PaperId
    from synth.core.settings import ParseSettings
    from synth.core.types import Claim, Hit, Page
    from synth.parse.chunk import chunk_page

    claims = [Claim(r["id"], r["claim"]) for r in rows]
    hits = []
    for row, vector in zip(rows, encoder.queries([r["claim"] for r in rows]), strict=True):
        page = Page(PaperId(f"cord:{row['cord_id']}"), 0, " ".join(abstracts[row["cord_id"]]))
        passages = chunk_page(page, ParseSettings())
        scores = encoder.passages([p.text for p in passages]) @ vector
        order = np.argsort(-scores)[:top_k]
        hits.append([Hit(passages[i], float(scores[i]), r + 1) for r, i in enumerate(order)])
    return claims, hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifier", default="default")
    parser.add_argument("--split", action="append", choices=sorted(FILES))
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--data", type=Path, default=CHECK_COVID)
    parser.add_argument("--limit", type=int, help="first N claims per split (a quick look)")
    args = parser.parse_args()

    from synth.app.context import Context
    from synth.core.console import NullProgress
    from synth.core.settings import load_settings
    from synth.extract.evidence import candidate_spans
    from synth.verify.calibration import binary_ece, bootstrap_ci, macro_f1

    settings = load_settings(overrides={"verify.model": args.verifier})
    context = Context(settings, NullProgress())
    encoder, verifier = context.encoder, context.verifier
    top_k = settings.verify.top_k
    abstracts = read_abstracts(args.data)
    labels = list(GOLD.values())
    results: dict = {}
    for split in args.split or ["dev"]:
        rows = [r for r in read_claims(args.data, split) if r["cord_id"] in abstracts]
        rows = rows[: args.limit] if args.limit else rows
        claims, hits = claim_hits(encoder, rows, abstracts, top_k)
        gold = np.array([GOLD[r["label"]] for r in rows])
        results[split] = {"claims": len(rows)}
        for windows in (False, True):
            items = [
                (c, candidate_spans(c, h, {}, windows=windows))
                for c, h in zip(claims, hits, strict=True)
            ]
            started = time.perf_counter()
            verdicts = [
                v for i in range(0, len(items), 8) for v in verifier.verify_many(items[i : i + 8])
            ]
            seconds = time.perf_counter() - started
            predicted = np.array([v.label.value for v in verdicts])
            p_support = np.array([v.confidence for v in verdicts])
            supported = (gold == "supported").astype(int)
            n = args.bootstrap
            results[split]["windows" if windows else "sentences"] = {
                "macro_f1": bootstrap_ci(
                    lambda a, b: macro_f1(a, b, labels), predicted, gold, n_resamples=n
                ),
                "accuracy": float((predicted == gold).mean()),
                "recall": {
                    label: float((predicted[gold == label] == label).mean()) for label in labels
                },
                "ece": bootstrap_ci(binary_ece, p_support, supported, n_resamples=n),
                "decided_by": dict(
                    Counter(v.evidence[0].span if v.evidence else "none" for v in verdicts)
                ),
                "candidates": sum(len(c) for _, c in items),
                "seconds": round(seconds, 1),
            }
    out = manifest(
        "claim_level",
        ["python", "-m", "bench.claim_level", "--verifier", args.verifier]
        + [part for s in args.split or ["dev"] for part in ("--split", s)],
        verifier=verifier.method,
        identity=context.verifier_spec.identity,
        top_k=top_k,
        results=results,
    )
    path = write_result("claim_level", out)
    print(json.dumps(results, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
