"""Papers, pages and passages in the SQLite library.

A paper is stored with the hash of what it was parsed from and the fingerprint of the chunk
settings, so re-adding the same source does no parsing or chunking again.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable

from synth.core.errors import InvalidIdError, NotFoundError
from synth.core.ids import PaperId, paper_id, split_version
from synth.core.types import Citation, Page, Paper, ParsedDoc, Passage, Reference, SourceKind


class Library:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # papers --------------------------------------------------------------------------------
    def is_current(self, pid: PaperId, content_hash: str, chunk_fingerprint: str) -> bool:
        row = self.conn.execute(
            "SELECT content_hash, chunk_fingerprint FROM papers WHERE id = ?", (pid,)
        ).fetchone()
        return bool(row) and tuple(row) == (content_hash, chunk_fingerprint)

    def store(
        self,
        doc: ParsedDoc,
        passages: Iterable[Passage],
        *,
        content_hash: str,
        chunk_fingerprint: str,
        pdf_path: str | None = None,
    ) -> None:
        """Insert or replace a paper with its pages and passages, in one transaction."""
        p = doc.paper
        with self.conn:
            self.conn.execute("DELETE FROM papers WHERE id = ?", (p.id,))
            self.conn.execute(
                "INSERT INTO papers (id, title, authors, year, abstract, source, license, url,"
                " has_full_text, pdf_path, content_hash, chunk_fingerprint, failed_pages)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    p.id,
                    p.title,
                    json.dumps(list(p.authors)),
                    p.year,
                    p.abstract,
                    p.source.value,
                    p.license,
                    p.url,
                    int(p.has_full_text),
                    pdf_path,
                    content_hash,
                    chunk_fingerprint,
                    json.dumps(list(doc.failed_pages)),
                ),
            )
            self.conn.executemany(
                "INSERT INTO pages VALUES (?,?,?,?,?,?)",
                [
                    (
                        g.paper_id,
                        g.index,
                        g.text,
                        g.section,
                        int(g.is_paragraph),
                        json.dumps([list(h) for h in g.headings]),
                    )
                    for g in doc.pages
                ],
            )
            self.conn.executemany(
                "INSERT INTO passages VALUES (?,?,?,?,?,?,?)",
                [
                    (s.id, s.paper_id, s.page_index, s.start, s.end, s.text, s.section)
                    for s in passages
                ],
            )
            self._store_citations(p.id, doc.references)

    # citation edges -------------------------------------------------------------------------
    def _store_citations(self, citing: PaperId, references: Iterable[Reference]) -> None:
        self.conn.execute("DELETE FROM citations WHERE citing = ?", (citing,))
        rows = []
        for ref in references:
            resolved, how = _resolved_offline(ref)
            rows.append(
                (citing, ref.position, ref.raw, ref.arxiv_id, ref.doi, ref.title, resolved, how)
            )
        self.conn.executemany("INSERT INTO citations VALUES (?,?,?,?,?,?,?,?)", rows)

    def citations(self, citing: PaperId) -> list[Citation]:
        rows = self.conn.execute(
            "SELECT * FROM citations WHERE citing = ? ORDER BY position", (citing,)
        )
        return [_citation(r) for r in rows]

    def cited_by(self, cited: PaperId) -> list[PaperId]:
        """Stored papers whose reference lists resolve to `cited` (any version of it)."""
        base, _ = split_version(cited)
        rows = self.conn.execute(
            "SELECT DISTINCT citing FROM citations WHERE resolved = ? OR resolved LIKE ?",
            (base, base + "v%"),
        )
        return [PaperId(r[0]) for r in rows]

    def resolve_citation(self, citing: PaperId, position: int, resolved: str | None, how: str):
        """Record what a title search found (or that it found nothing)."""
        with self.conn:
            self.conn.execute(
                "UPDATE citations SET resolved = ?, how = ? WHERE citing = ? AND position = ?",
                (resolved, how, citing, position),
            )

    # cached searches ------------------------------------------------------------------------
    def cached_search(self, query: str, max_age_s: float, now: float) -> list[dict] | None:
        row = self.conn.execute(
            "SELECT fetched_at, results FROM searches WHERE query = ?", (query,)
        ).fetchone()
        if row is None or now - row[0] > max_age_s:
            return None
        return json.loads(row[1])

    def put_search(self, query: str, results: list[dict], now: float) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO searches VALUES (?,?,?)",
                (query, now, json.dumps(results, ensure_ascii=False)),
            )

    def has(self, pid: PaperId) -> bool:
        return self.conn.execute("SELECT 1 FROM papers WHERE id = ?", (pid,)).fetchone() is not None

    def paper(self, pid: PaperId) -> Paper:
        row = self.conn.execute("SELECT * FROM papers WHERE id = ?", (pid,)).fetchone()
        if row is None:
            raise NotFoundError(
                f"{pid} is not in the library",
                hint="add it with `synth fetch ID` or `synth add FILE.pdf`",
            )
        return _paper(row)

    def papers(self, *, source: SourceKind | None = None) -> list[Paper]:
        sql, args = "SELECT * FROM papers", ()
        if source is not None:
            sql, args = sql + " WHERE source = ?", (source.value,)
        return [_paper(r) for r in self.conn.execute(sql + " ORDER BY id", args)]

    def versions(self, base: PaperId) -> list[Paper]:
        """The stored papers of one arXiv id: unversioned `base` and every `basevN`."""
        rows = self.conn.execute(
            "SELECT * FROM papers WHERE id = ? OR id GLOB ? ORDER BY id", (base, base + "v[0-9]*")
        )
        return [_paper(r) for r in rows]

    def content_hash(self, pid: PaperId) -> str | None:
        """Hash of the bytes or record the stored paper was parsed from (None if absent)."""
        row = self.conn.execute("SELECT content_hash FROM papers WHERE id = ?", (pid,)).fetchone()
        return row[0] if row else None

    def pdf_path(self, pid: PaperId) -> str | None:
        """The PDF file the stored paper was parsed from (None for text-only sources)."""
        row = self.conn.execute("SELECT pdf_path FROM papers WHERE id = ?", (pid,)).fetchone()
        return row[0] if row else None

    def remove(self, pid: PaperId) -> None:
        with self.conn:
            self.conn.execute("DELETE FROM papers WHERE id = ?", (pid,))

    def failed_pages(self, pid: PaperId) -> list[int]:
        row = self.conn.execute("SELECT failed_pages FROM papers WHERE id = ?", (pid,)).fetchone()
        return json.loads(row[0]) if row else []

    # pages and passages --------------------------------------------------------------------
    def page(self, pid: PaperId, page_index: int) -> Page:
        row = self.conn.execute(
            "SELECT * FROM pages WHERE paper_id = ? AND page_index = ?", (pid, page_index)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"page {page_index + 1} of {pid} is not in the library")
        return _page(row)

    def pages(self, pid: PaperId) -> list[Page]:
        rows = self.conn.execute(
            "SELECT * FROM pages WHERE paper_id = ? ORDER BY page_index", (pid,)
        )
        return [_page(r) for r in rows]

    def passages(self, pids: Iterable[PaperId]) -> list[Passage]:
        out: list[Passage] = []
        for pid in pids:
            rows = self.conn.execute(
                "SELECT * FROM passages WHERE paper_id = ? ORDER BY page_index, start", (pid,)
            )
            out.extend(
                Passage(
                    r["id"],
                    r["paper_id"],
                    r["page_index"],
                    r["start"],
                    r["end"],
                    r["text"],
                    r["section"],
                )
                for r in rows
            )
        return out

    # runs ---------------------------------------------------------------------------------------
    def start_run(self, command: str, params: dict, settings_fingerprint: str) -> int:
        """Record a run of this process; runs left 'running' by a process that no longer
        exists (killed before it could finish) are marked 'interrupted' first."""
        with self.conn:
            for run_id, pid in self.conn.execute(
                "SELECT id, pid FROM runs WHERE status = 'running'"
            ).fetchall():
                if pid is None or not _process_alive(pid):
                    self.conn.execute(
                        "UPDATE runs SET status = 'interrupted' WHERE id = ?", (run_id,)
                    )
            cursor = self.conn.execute(
                "INSERT INTO runs (command, params, settings_fingerprint, pid) VALUES (?,?,?,?)",
                (
                    command,
                    json.dumps(params, ensure_ascii=False),
                    settings_fingerprint,
                    os.getpid(),
                ),
            )
        return int(cursor.lastrowid)

    def finish_run(self, run_id: int, status: str) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE runs SET status = ?, finished_at = datetime('now') WHERE id = ?",
                (status, run_id),
            )

    def runs(self, command: str | None = None) -> list[dict]:
        sql = "SELECT * FROM runs" + (" WHERE command = ?" if command else "") + " ORDER BY id"
        return [dict(r) for r in self.conn.execute(sql, (command,) if command else ())]

    # small key/value state -------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: asks whether the process exists, sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _resolved_offline(ref: Reference) -> tuple[str | None, str]:
    """What a reference names without the network: an arXiv id (read off the entry, or an
    arXiv DOI), else nothing yet."""
    if ref.arxiv_id:
        try:
            resolved = paper_id(ref.arxiv_id)
        except InvalidIdError:
            resolved = None
        if resolved is not None:
            by_doi = (ref.doi or "").lower().startswith("10.48550/arxiv.")
            return resolved, "arXiv DOI" if by_doi else "arXiv id in the entry"
    if ref.title:
        return None, "unresolved: title not yet searched"
    if ref.doi:
        return None, "unresolved: a DOI arXiv metadata does not link"
    return None, "unresolved: no identifier or title"


def _citation(row: sqlite3.Row) -> Citation:
    ref = Reference(row["position"], row["raw"], row["arxiv_id"], row["doi"], row["title"])
    resolved = PaperId(row["resolved"]) if row["resolved"] else None
    return Citation(PaperId(row["citing"]), ref, resolved, row["how"])


def _paper(row: sqlite3.Row) -> Paper:
    return Paper(
        id=PaperId(row["id"]),
        title=row["title"],
        authors=tuple(json.loads(row["authors"])),
        year=row["year"],
        abstract=row["abstract"],
        source=SourceKind(row["source"]),
        license=row["license"],
        url=row["url"],
        has_full_text=bool(row["has_full_text"]),
    )


def _page(row: sqlite3.Row) -> Page:
    return Page(
        paper_id=PaperId(row["paper_id"]),
        index=row["page_index"],
        text=row["text"],
        section=row["section"],
        is_paragraph=bool(row["is_paragraph"]),
        headings=tuple((int(o), h) for o, h in json.loads(row["headings"])),
    )
