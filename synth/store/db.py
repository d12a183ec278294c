"""The one place that opens SQLite: connection, pragmas, transactions, migrations.

Migrations are ordered, named functions; the names already applied live in `_migrations`, so
a database is upgraded in place and never rebuilt. They run inside one write transaction
(`BEGIN IMMEDIATE`): a second process opening a new library at the same moment waits for the
first, then finds them applied.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from synth.core.errors import StorageError


def _script(conn: sqlite3.Connection, sql: str) -> None:
    """Each statement of `sql` inside the current transaction (`executescript` would commit
    first, letting another process in between)."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        conn.execute(statement)


def m001_initial(conn: sqlite3.Connection) -> None:
    _script(
        conn,
        """
        CREATE TABLE papers (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',      -- JSON list
            year INTEGER,
            abstract TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL,
            license TEXT,
            url TEXT,
            has_full_text INTEGER NOT NULL DEFAULT 0,
            pdf_path TEXT,
            content_hash TEXT NOT NULL,              -- of the bytes/record it was parsed from
            chunk_fingerprint TEXT NOT NULL,         -- parser + chunk settings of its passages
            failed_pages TEXT NOT NULL DEFAULT '[]', -- JSON list of 0-based page indexes
            added_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE TABLE pages (
            paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            page_index INTEGER NOT NULL,
            text TEXT NOT NULL,
            section TEXT,
            is_paragraph INTEGER NOT NULL DEFAULT 0,
            headings TEXT NOT NULL DEFAULT '[]',     -- JSON [[offset, heading], ...]
            PRIMARY KEY (paper_id, page_index)
        );
        CREATE TABLE passages (
            id TEXT PRIMARY KEY,
            paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            page_index INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            text TEXT NOT NULL,
            section TEXT
        );
        CREATE INDEX passages_by_paper ON passages(paper_id, page_index, start);
        CREATE TABLE embeddings (
            model_id TEXT NOT NULL,
            text_hash TEXT NOT NULL,                 -- sha256 of the exact text embedded
            vector BLOB NOT NULL,                    -- float32, L2-normalised
            PRIMARY KEY (model_id, text_hash)
        ) WITHOUT ROWID;
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            params TEXT NOT NULL,                    -- JSON
            settings_fingerprint TEXT NOT NULL,
            started_at TEXT NOT NULL DEFAULT (datetime('now')),
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running'
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    )


def m002_verdicts(conn: sqlite3.Connection) -> None:
    # Re-verification results, one row per (claim, sources, models) key: a batch killed
    # mid-way keeps every committed row, and a rerun with nothing changed does no model work.
    _script(
        conn,
        """
        CREATE TABLE verdicts (
            key TEXT PRIMARY KEY,                    -- sha256 of claim + sources + models
            claim_text TEXT NOT NULL,
            verdict TEXT NOT NULL,                   -- JSON (see store/verdicts.py)
            created_at TEXT NOT NULL DEFAULT (datetime('now'))
        ) WITHOUT ROWID;
        """,
    )


def m003_discovery(conn: sqlite3.Connection) -> None:
    # Citation edges (each reference of a stored paper and what it resolved to, never a guess)
    # and cached arXiv searches (a rerun within the time-to-live makes no request). Papers
    # stored before this migration get their edges when re-parsed (PARSER_VERSION 2).
    _script(
        conn,
        """
        CREATE TABLE citations (
            citing TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,               -- 1-based, in the reference list
            raw TEXT NOT NULL,
            arxiv_id TEXT,                           -- as read off the entry
            doi TEXT,
            title TEXT,                              -- a guess, for a strict title search
            resolved TEXT,                           -- the cited paper id, or NULL
            how TEXT NOT NULL,
            PRIMARY KEY (citing, position)
        ) WITHOUT ROWID;
        CREATE INDEX citations_by_resolved ON citations(resolved);
        CREATE TABLE searches (
            query TEXT PRIMARY KEY,
            fetched_at REAL NOT NULL,                -- unix time
            results TEXT NOT NULL                    -- JSON list of papers with pdf_url
        ) WITHOUT ROWID;
        """,
    )


def m004_run_pids(conn: sqlite3.Connection) -> None:
    # The process that records a run: a run whose process is gone (killed, power cut) can be
    # told from one still going, and is marked 'interrupted' by the next run.
    _script(conn, "ALTER TABLE runs ADD COLUMN pid INTEGER;")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_initial,
    m002_verdicts,
    m003_discovery,
    m004_run_pids,
]


def migrate(conn: sqlite3.Connection) -> None:
    def pending() -> list[Callable[[sqlite3.Connection], None]]:
        applied = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
        return [m for m in MIGRATIONS if m.__name__ not in applied]

    conn.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY)")
    conn.commit()
    if not pending():
        return
    conn.execute("BEGIN IMMEDIATE")  # another process migrating holds it: wait, then re-read
    try:
        for migration in pending():
            migration(conn)
            conn.execute("INSERT INTO _migrations VALUES (?)", (migration.__name__,))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the library database."""
    try:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        if str(path) != ":memory:":
            _set_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
        migrate(conn)
    except (sqlite3.Error, OSError) as exc:
        raise storage_error(path, exc) from exc
    return conn


def _set_wal(conn: sqlite3.Connection, patience_s: float = 30.0) -> None:
    """WAL: readers don't block the writer. Switching a new file to WAL while another
    process opens it can fail with "database is locked" at once, without SQLite's busy
    handler waiting (1 open in 240 when six processes open a new library at once): retry."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def storage_error(path: Path | str, exc: BaseException) -> StorageError:
    """What a failed open or write of the library means for the user, with a way out."""
    text = str(exc).lower()
    if "full" in text or getattr(exc, "errno", None) == 28:
        hint = "free disk space, or point SYNTH_HOME at another disk"
    elif "readonly" in text or "read-only" in text or isinstance(exc, PermissionError):
        hint = "make it writable, or point SYNTH_HOME (or --home) at a writable directory"
    elif "not a database" in text or "malformed" in text:
        hint = (
            f"`synth doctor` checks every page of it; move {path} away and synth builds a new "
            "library (papers you added or fetched must be added again)"
        )
    else:
        hint = "check SYNTH_HOME (or --home): it must be a writable directory"
    return StorageError(f"synth's library {path} cannot be used ({exc})", hint=hint)


def quick_check(path: Path) -> str:
    """SQLite's `PRAGMA quick_check` of the library, opened read-only: "ok", "absent", or
    what is damaged (the first few problems)."""
    if not Path(path).is_file():
        return "absent"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"damaged ({exc})"
    return "ok" if rows == ["ok"] else "damaged (" + "; ".join(rows) + ")"
