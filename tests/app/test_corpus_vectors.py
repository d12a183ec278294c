"""The bundled corpus' paper vectors ship with it: a fresh home embeds no corpus abstract when
the retriever in use made them, and embeds as before under any other retriever."""

from __future__ import annotations

import numpy as np

from synth.app.corpus_vectors import (
    build_corpus_vectors,
    read_vectors,
    seed_corpus_vectors,
    shipped_vectors_path,
)
from synth.app.library import ensure_corpus, library_papers
from synth.retrieve.embed import passage_key
from synth.retrieve.select import paper_text


def test_vectors_made_by_the_retriever_in_use_are_taken_and_not_embedded_again(
    fake_context, tmp_path
):
    built = fake_context(keywords=["retrieval", "language"])
    path = tmp_path / "vectors.npz"
    assert build_corpus_vectors(built, path) == len(ensure_corpus(built))
    model_id, vectors = read_vectors(path)
    assert model_id == "fake-embedder"

    with built.library.conn:  # the library as a fresh home has it: no vector yet
        built.library.conn.execute("DELETE FROM embeddings")
    fresh = fake_context(keywords=["retrieval", "language"])
    assert seed_corpus_vectors(fresh, path) == len(vectors)
    assert seed_corpus_vectors(fresh, path) == 0, "only what the library lacks"
    ensure_corpus(fresh)
    papers = library_papers(fresh)
    fresh.encoder.passages([paper_text(p) for p in papers])
    assert fresh.encoder.embedder.encoded == [], "every corpus paper came from the file"


def test_vectors_of_another_retriever_are_ignored(fake_context, tmp_path):
    path = tmp_path / "vectors.npz"
    np.savez(
        path,
        model_id=np.array("another-retriever"),
        keys=np.array(["k"]),
        vectors=np.ones((1, 3), np.float32),
    )
    ctx = fake_context()
    assert seed_corpus_vectors(ctx, path) == 0
    assert seed_corpus_vectors(ctx, tmp_path / "missing.npz") == 0


def test_the_shipped_vectors_match_the_default_retriever_and_the_corpus(synth_home):
    # Fails after a change to the default retriever or the corpus until the file is rebuilt:
    # python -m synth.app.corpus_vectors
    from synth.app.context import Context
    from synth.core.settings import load_settings

    ctx = Context(load_settings(synth_home))
    model_id, vectors = read_vectors(shipped_vectors_path())
    assert model_id == ctx.encoder_id
    texts = {paper_text(ctx.library.paper(pid)) for pid in ensure_corpus(ctx)}
    assert set(vectors) == {passage_key(t) for t in texts}
    assert all(v.shape == (384,) and abs(np.linalg.norm(v) - 1) < 1e-3 for v in vectors.values())
