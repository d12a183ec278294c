"""`synth eval retrieval`: the LAReQA protocol for the configured encoder on a LAReQA split."""

from __future__ import annotations

from pathlib import Path

from synth.app.context import Context
from synth.retrieve.lareqa import evaluate_lareqa, load_lareqa


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
