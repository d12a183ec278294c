"""Embedding cache: vectors keyed by (model id, sha256 of the exact text embedded).

A new model id (a retrained or re-converted encoder) simply misses the cache, so passages
embedded by an older model are never mixed with new ones.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence

import numpy as np


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, conn: sqlite3.Connection, model_id: str) -> None:
        self.conn = conn
        self.model_id = model_id

    def get(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        return {
            key: np.frombuffer(blob, dtype=np.float32)
            for key, blob in self._select("text_hash, vector", hashes)
        }

    def keys_present(self, hashes: Sequence[str]) -> set[str]:
        """Which of these have a vector, without reading the vectors."""
        return {key for (key,) in self._select("text_hash", hashes)}

    def _select(self, columns: str, hashes: Sequence[str]):
        for i in range(0, len(hashes), 500):  # stay under SQLite's variable limit
            batch = list(hashes[i : i + 500])
            marks = ",".join("?" * len(batch))
            yield from self.conn.execute(
                f"SELECT {columns} FROM embeddings WHERE model_id = ? AND text_hash IN ({marks})",
                [self.model_id, *batch],
            )

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [
                    (self.model_id, k, np.asarray(v, np.float32).tobytes())
                    for k, v in vectors.items()
                ],
            )

    def count(self) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (self.model_id,)
        ).fetchone()
        return int(row[0])
