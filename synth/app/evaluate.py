"""`synth eval retrieval` (the LAReQA protocol for the configured encoder), `synth eval bitext`
(Tatoeba translation retrieval), `synth eval verifier` (the configured verifier on labelled
claim/evidence pairs) and `synth eval claims` (labelled claims against their whole sources,
through the product's own path)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from synth.app.context import Context
from synth.app.verification import claim_candidates, verify_batched
from synth.core.errors import NotFoundError
from synth.core.ids import PaperId
from synth.core.types import Claim, Evidence, Label, Page
from synth.parse.chunk import chunk_page
from synth.retrieve.bitext import load_bitext, nearest_accuracy
from synth.retrieve.index import PassageIndex
from synth.retrieve.lareqa import evaluate_lareqa, load_lareqa
from synth.verify.claimsets import LabelledClaim, claim_metrics, read_claim_set
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
            "gold": [g.value for g in gold],
            "predicted": [p.value for p in predicted],
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


def claim_items(
    ctx: Context, claims: Sequence[LabelledClaim]
) -> list[tuple[Claim, list[Evidence]]]:
    """Each labelled claim with its candidate evidence, as `synth check` builds them: its
    sources chunked into passages as synth chunks a page, embedded, the top `verify.top_k`
    passages for the claim, their sentences (`app.verification.claim_candidates`)."""
    encoder, settings = ctx.encoder, ctx.settings
    docs = {doc.id: doc for c in claims for doc in c.docs}
    passages = {}
    for doc in docs.values():
        page = Page(PaperId(f"doc:{doc.id}"), 0, " ".join(doc.sentences), is_paragraph=True)
        passages[doc.id] = chunk_page(page, settings.parse)
    every = [p for chunks in passages.values() for p in chunks]
    vectors = encoder.passages([p.text for p in every], ctx.progress, "embedding the sources")
    row, start = {}, 0
    for doc_id, chunks in passages.items():
        row[doc_id] = (start, start + len(chunks))
        start += len(chunks)
    items = []
    is_paragraph = {f"doc:{d}": True for d in docs}
    for labelled in ctx.progress.track(list(claims), "finding candidates", total=len(claims)):
        chosen = [p for doc in labelled.docs for p in passages[doc.id]]
        index = PassageIndex(
            chosen, np.concatenate([vectors[slice(*row[doc.id])] for doc in labelled.docs])
        )
        claim = Claim(labelled.id or f"claim{len(items)}", labelled.claim)
        items.extend(
            claim_candidates(
                [claim],
                index,
                encoder,
                settings.verify.top_k,
                is_paragraph,
                windows=settings.verify.windows,
            )
        )
    return items


def evaluate_claims(
    ctx: Context,
    data: Path,
    *,
    split: str | None = None,
    limit: int | None = None,
    bootstrap: int = 0,
    points: bool = False,
) -> dict:
    """The configured verifier and claim decision on labelled claims against their whole
    sources (`verify.claimsets` layouts): macro-F1, accuracy, per-label precision and recall,
    × on gold-supported claims, ECE of P(supported), claims/s."""
    read = read_claim_set(data, split, limit=limit)
    if not read.claims:
        raise NotFoundError(
            f"no usable labelled claim in {data}"
            + (f" (split {split!r})" if split else "")
            + (f"; skipped: {dict(read.skipped)}" if read.skipped else ""),
            hint="see `synth eval claims --help` for the layouts read",
        )
    start = time.perf_counter()
    items = claim_items(ctx, read.claims)
    verdicts = verify_batched(ctx.verifier, items, ctx.progress)
    seconds = time.perf_counter() - start
    gold = [c.label for c in read.claims]
    predicted = [v.label for v in verdicts]
    confidence = [v.confidence for v in verdicts]
    result = claim_metrics(gold, predicted, confidence, bootstrap=bootstrap)
    if points:
        result["points"] = {
            "p_supported": confidence,
            "supported": [g == Label.SUPPORTED for g in gold],
            "gold": [g.value for g in gold],
            "predicted": [p.value for p in predicted],
        }
    spec = ctx.verifier_spec
    result.update(
        {
            "data": str(data),
            "layout": read.layout,
            "files": read.files,
            "split": split,
            "limit": limit,
            "skipped_claims": dict(read.skipped),
            "verifier": spec.identity,
            "method": spec.method,
            "decision": ctx.settings.verify.decision if spec.decision else "max",
            "encoder": ctx.encoder_id,
            "candidates": sum(len(c) for _, c in items),
            "seconds": seconds,
            "claims_per_s": len(items) / seconds if seconds else None,
        }
    )
    return result
