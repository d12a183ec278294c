"""The verdict store: exact round trip, keys that change with what decided a verdict."""

from __future__ import annotations

from synth.core.ids import PaperId
from synth.core.types import Claim, ClaimKind, Evidence, Label, Verdict
from synth.store.db import connect
from synth.store.verdicts import VerdictStore, verdict_from_json, verdict_key, verdict_to_json

VERDICT = Verdict(
    Claim("c1", "Hybrid batches reduce bias.", kind=ClaimKind.METHOD),
    Label.CONTRADICTED,
    0.125,
    (
        Evidence(
            PaperId("arxiv:2408.10536"),
            0,
            10,
            42,
            "Hybrid batches increase bias.",
            0.8,
            "Abstract",
            True,
        ),
    ),
    "nli-e5-v1",
    reason="number_mismatch: claim 3, source 4",
    probabilities={"supported": 0.125, "contradicted": 0.8, "not_enough_info": 0.075},
)


def test_a_verdict_survives_json_unchanged():
    assert verdict_from_json(verdict_to_json(VERDICT)) == VERDICT


def test_key_ignores_source_order_and_changes_with_text_sources_or_models():
    a = verdict_key("claim", [("arxiv:1", "h1"), ("arxiv:2", "h2")], "m")
    assert a == verdict_key("claim", [("arxiv:2", "h2"), ("arxiv:1", "h1")], "m")
    assert a != verdict_key("claim.", [("arxiv:1", "h1"), ("arxiv:2", "h2")], "m")
    assert a != verdict_key("claim", [("arxiv:1", "h1"), ("arxiv:2", "NEW")], "m")
    assert a != verdict_key("claim", [("arxiv:1", "h1")], "m")
    assert a != verdict_key("claim", [("arxiv:1", "h1"), ("arxiv:2", "h2")], "m2")


def test_stored_verdicts_are_visible_to_a_second_connection(tmp_path):
    path = tmp_path / "lib.sqlite"
    VerdictStore(connect(path)).put("k", VERDICT)
    other = VerdictStore(connect(path))
    assert other.get("k") == VERDICT and other.get("missing") is None and len(other) == 1
