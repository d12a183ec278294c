"""`synth eval retrieval` (the LAReQA protocol for the configured encoder), `synth eval bitext`
(Tatoeba translation retrieval) and `synth eval verifier` (the configured verifier on labelled
claim/evidence pairs)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from synth.app.context import Context
from synth.core.errors import NotFoundError
from synth.core.ids import PaperId
from synth.core.types import Claim, Evidence, Label
from synth.retrieve.bitext import load_bitext, nearest_accuracy
from synth.retrieve.lareqa import evaluate_lareqa, load_lareqa
from synth.verify.pairs import read_pairs, verdict_metrics

EVAL_BATCH = 128  # pairs per batched pass: progress moves, memory stays small


def evaluate_retrieval(
    ctx: Context, data_dir: Path, split: str, *, limit: int | None = None
) -> dict:
    """Mo / Cr / Mul mAP, language bias and more (see `retrieve.lareqa`) on one split.

    Candidate vectors go through the library's embedding cache, so re-evaluating the same
    model is cheap. `limit` keeps the first N questions of each language (smoke runs).
    """
    data = load_lareqa(data_dir)
    questions = data.questions_in(split)
    if limit:
        per_lang: dict[str, int] = {}
        kept = []
        for q in questions:
            per_lang[q.lang] = per_lang.get(q.lang, 0) + 1
            if per_lang[q.lang] <= limit:
                kept.append(q)
        questions = kept
    encoder = ctx.encoder
    sentence_vectors = encoder.passages(
        [s.text for s in data.sentences], ctx.progress, description="embedding candidate sentences"
    )
    ctx.progress.status(f"embedding {len(questions)} questions")
    query_vectors = encoder.queries([q.text for q in questions])
    result = evaluate_lareqa(data, questions, query_vectors, sentence_vectors)
    result.update(
        {
            "model_id": encoder.model_id,
            "data": str(data_dir),
            "split": split,
            "articles": [data.articles(split)[0], data.articles(split)[-1]],
            "limit_per_language": limit,
        }
    )
    return result


def evaluate_bitext(ctx: Context, root: Path, langs: Sequence[str]) -> dict:
    """Tatoeba bitext retrieval per language, both directions, as synth retrieves: each
    sentence as a query against all translations as passages (`xx_to_en`), and back."""
    encoder = ctx.encoder
    rows: dict[str, dict] = {}
    for lang in ctx.progress.track(list(langs), "bitext languages", total=len(langs)):
        bitext = load_bitext(root, lang)
        own, english = list(bitext.sentences), list(bitext.english)
        x_to_e = nearest_accuracy(encoder.queries(own), encoder.passages(english))
        e_to_x = nearest_accuracy(encoder.queries(english), encoder.passages(own))
        rows[lang] = {
            "pairs": len(own),
            "xx_to_en": x_to_e,
            "en_to_xx": e_to_x,
            "mean": (x_to_e + e_to_x) / 2,
        }
    mean = float(np.mean([r["mean"] for r in rows.values()])) if rows else float("nan")
    return {"model_id": encoder.model_id, "data": str(root), "mean": mean, "per_language": rows}


def evaluate_verifier(
    ctx: Context,
    data: Path,
    *,
    split: str | None = None,
    limit: int | None = None,
    bootstrap: int = 0,
    points: bool = False,
) -> dict:
    """The configured verifier's verdicts on labelled pairs (`verify.pairs` layouts): overall
    metrics, per language, and throughput. Each pair is judged as synth judges a claim with
    one candidate sentence (guards and decision rule included). With `points`, also each
    pair's P(supported) and whether it is supported (for reliability diagrams)."""
    read = read_pairs(data, split=split, limit=limit)
    if not read.pairs:
        raise NotFoundError(
            f"no usable labelled pair in {data}"
            + (f" (split {split!r})" if split else "")
            + (f"; skipped: {dict(read.skipped)}" if read.skipped else ""),
            hint="rows need claim, evidence and a label (see `synth eval verifier --help`)",
        )
    verifier = ctx.verifier
    pairs = read.pairs
    items = [
        (
            Claim(f"pair{i}", p.claim),
            [Evidence(PaperId("pair"), 0, 0, len(p.evidence), p.evidence, 0.0)],
        )
        for i, p in enumerate(pairs)
    ]
    batches = [items[i : i + EVAL_BATCH] for i in range(0, len(items), EVAL_BATCH)]
    start = time.perf_counter()
    verdicts = [
        v
        for batch in ctx.progress.track(batches, "verifying pairs", total=len(batches))
        for v in verifier.verify_many(batch)
    ]
    seconds = time.perf_counter() - start
    gold = [p.label for p in pairs]
    predicted = [v.label for v in verdicts]
    confidence = [v.confidence for v in verdicts]
    result = verdict_metrics(gold, predicted, confidence, bootstrap=bootstrap)
    by_lang: dict[str, list[int]] = {}
    for i, pair in enumerate(pairs):
        by_lang.setdefault(pair.lang or "unknown", []).append(i)
    if len(by_lang) > 1:
        result["per_language"] = {
            lang: verdict_metrics(
                [gold[i] for i in rows], [predicted[i] for i in rows], [confidence[i] for i in rows]
            )
            for lang, rows in sorted(by_lang.items())
        }
    if points:
        result["points"] = {
            "p_supported": confidence,
            "supported": [g == Label.SUPPORTED for g in gold],
        }
    result.update(
        {
            "data": str(data),
            "split": split,
            "limit_per_file": limit,
            "skipped_rows": dict(read.skipped),
            "verifier": ctx.verifier_spec.identity,
            "method": verifier.method,
            "encoder": ctx.encoder_id,
            "seconds": seconds,
            "pairs_per_s": len(pairs) / seconds if seconds else None,
        }
    )
    return result
