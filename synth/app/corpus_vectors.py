"""Vectors of the bundled corpus' papers (title + abstract) under the default retriever, shipped
beside the corpus, so that a fresh home need not embed them: on 2 cores that was ~7 of a cold
report's ~25 s (59 long texts through the encoder).

They are a cache entry like any other: keyed by the retriever's model id and the hash of each
text the encoder saw. A fresh library takes only those made by the retriever in use; any other
retriever (a retrained default, `--model`, the torch runtime) embeds as before. A test checks
that the shipped file matches the default retriever and the corpus; after changing either,
rebuild it:

    python -m synth.app.corpus_vectors          # writes corpus/paper-vectors.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from synth.app.context import Context
from synth.fetch import corpus
from synth.store.embeddings import EmbeddingCache

VECTORS_FILE = "paper-vectors.npz"


def shipped_vectors_path() -> Path:
    return corpus.corpus_dir() / VECTORS_FILE


def read_vectors(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    """(model id, {passage key: vector}) of a vectors file."""
    with np.load(path) as data:
        model_id = str(data["model_id"])
        vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    return model_id, vectors


def seed_corpus_vectors(ctx: Context, path: Path | None = None) -> int:
    """Store the shipped vectors the library lacks, if the retriever in use made them; returns
    how many were stored. Needs no model: the retriever's id is known without loading it."""
    path = path or shipped_vectors_path()
    if not path.is_file():
        return 0
    model_id, vectors = read_vectors(path)
    if model_id != ctx.encoder_id:
        return 0
    cache = EmbeddingCache(ctx.library.conn, model_id)
    have = cache.get(list(vectors))
    missing = {k: v for k, v in vectors.items() if k not in have}
    cache.put(missing)
    return len(missing)


def build_corpus_vectors(ctx: Context, out: Path) -> int:
    """Embed every bundled paper's title + abstract with the configured retriever and write
    them to `out` (atomically); returns the number of vectors."""
    from synth.app.library import ensure_corpus
    from synth.retrieve.embed import passage_key
    from synth.retrieve.select import paper_text

    ids = ensure_corpus(ctx)
    texts = sorted({paper_text(ctx.library.paper(pid)) for pid in ids})
    vectors = ctx.encoder.passages(texts, ctx.progress, "embedding the corpus' papers")
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez(
        tmp,
        model_id=np.array(ctx.encoder.model_id),
        keys=np.array([passage_key(t) for t in texts]),
        vectors=vectors.astype(np.float32),
    )
    tmp.replace(out)
    return len(texts)


def main() -> None:
    import tempfile

    from synth.core.console import NullProgress
    from synth.core.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("corpus") / VECTORS_FILE)
    parser.add_argument("--models", type=Path, help="a converted model cache to reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:  # a fresh library: nothing else in the cache
        overrides = {"retrieve.model_dir": args.models} if args.models else {}
        ctx = Context(load_settings(Path(home), overrides), NullProgress())
        n = build_corpus_vectors(ctx, args.out)
        print(f"{n} vectors by {ctx.encoder_id} -> {args.out}")


if __name__ == "__main__":
    main()
