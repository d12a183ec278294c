"""Verdicts kept in the library, keyed by what decided them.

The key hashes the exact claim text, the checked sources' content hashes and the identities
of the encoder and the verifier (with their settings): change any of them and the claim is
verified again; change none and the stored verdict is reused.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict

from synth.core.ids import PaperId
from synth.core.types import Claim, ClaimKind, Evidence, Label, Verdict


def verdict_key(claim_text: str, sources: Sequence[tuple[str, str]], models: str) -> str:
    """`sources`: (paper id, content hash) pairs; order does not matter."""
    blob = json.dumps([claim_text, sorted(sources), models], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def verdict_to_json(verdict: Verdict) -> str:
    return json.dumps(asdict(verdict), ensure_ascii=False)


def verdict_from_json(text: str) -> Verdict:
    data = json.loads(text)
    claim = dict(data["claim"])
    claim["kind"] = ClaimKind(claim["kind"])
    claim["also_in"] = tuple(PaperId(p) for p in claim.get("also_in", ()))
    evidence = tuple(
        Evidence(**{**e, "paper_id": PaperId(e["paper_id"])}) for e in data["evidence"]
    )
    return Verdict(
        claim=Claim(**claim),
        label=Label(data["label"]),
        confidence=data["confidence"],
        evidence=evidence,
        method=data["method"],
        reason=data["reason"],
        probabilities=data["probabilities"],
        not_checked=data.get("not_checked"),
    )


class VerdictStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get(self, key: str) -> Verdict | None:
        row = self.conn.execute("SELECT verdict FROM verdicts WHERE key = ?", (key,)).fetchone()
        return verdict_from_json(row[0]) if row else None

    def put(self, key: str, verdict: Verdict) -> None:
        """Stored and committed at once: a process killed after this call keeps the row."""
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO verdicts (key, claim_text, verdict) VALUES (?,?,?)",
                (key, verdict.claim.text, verdict_to_json(verdict)),
            )

    def __len__(self) -> int:
        return self.conn.execute("SELECT count(*) FROM verdicts").fetchone()[0]
