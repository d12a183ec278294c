"""Two processes opening a new library at the same moment: both get a migrated library."""

from __future__ import annotations

import multiprocessing

import pytest


def _open(path: str, start, results) -> None:
    from synth.store.db import connect

    start.wait()
    try:
        conn = connect(path)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        results.put(("ok", "verdicts" in tables and "citations" in tables))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(("error", repr(exc)))


@pytest.mark.parametrize("attempt", range(5))
def test_two_first_opens_at_once_both_succeed(tmp_path, attempt):
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    path = str(tmp_path / f"library-{attempt}.sqlite")
    workers = [ctx.Process(target=_open, args=(path, start, results)) for _ in range(6)]
    for w in workers:
        w.start()
    start.set()
    for w in workers:
        w.join(60)
    outcomes = [results.get(timeout=5) for _ in workers]
    assert outcomes == [("ok", True)] * 6, outcomes
