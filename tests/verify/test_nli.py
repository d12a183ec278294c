"""The three-way verifier: label mapping, guards, spans — and a few real training steps."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synth.core.ids import PaperId
from synth.core.types import Claim, Evidence, Label
from synth.verify.decision import MaxRule
from synth.verify.nli import LABELS, NliVerifier

PID = PaperId("arxiv:2408.10536")


def _verifier(probabilities: list[list[float]]) -> NliVerifier:
    """An NliVerifier deciding by the max rule, whose model is replaced by fixed probabilities
    (one row per candidate)."""
    verifier = NliVerifier.__new__(NliVerifier)
    verifier.max_quotes, verifier.max_candidates, verifier.model_id = 2, 12, "stub"
    verifier.method = "stub"
    verifier.decision = MaxRule()
    verifier._pair_probabilities = lambda claims, evidences: (
        np.array(probabilities).reshape(-1, 3)[: len(claims)],
        np.zeros(len(claims)),
    )
    return verifier


def _evidence(quote: str, start: int = 0) -> Evidence:
    return Evidence(PID, 0, start, start + len(quote), quote, 0.0)


def test_labels_are_in_supported_contradicted_nei_order_with_their_marks():
    assert [(label.value, label.mark) for label in LABELS] == [
        ("supported", "✓"),
        ("contradicted", "×"),
        ("not_enough_info", "?"),
    ]


@pytest.mark.parametrize(
    ("rows", "label"),
    [
        ([[0.9, 0.05, 0.05], [0.1, 0.1, 0.8]], Label.SUPPORTED),
        ([[0.1, 0.8, 0.1], [0.2, 0.1, 0.7]], Label.CONTRADICTED),
        ([[0.3, 0.3, 0.4], [0.2, 0.1, 0.7]], Label.NOT_ENOUGH_INFO),
    ],
    ids=["one-supporting-sentence", "one-contradicting-sentence", "neither"],
)
def test_the_claim_label_follows_its_most_decisive_sentence(rows, label):
    claim = Claim("c", "Hybrid batch training reduces language bias.")
    verdict = _verifier(rows).verify(claim, [_evidence("a sentence one."), _evidence("two.", 20)])
    assert verdict.label is label
    assert verdict.confidence == pytest.approx(max(r[0] for r in rows))
    assert set(verdict.probabilities) == {"supported", "contradicted", "not_enough_info"}


def test_a_number_guard_vetoes_a_support_and_says_why():
    claim = Claim("c", "Training uses a learning rate of 3e-4.")
    verdict = _verifier([[0.95, 0.03, 0.02]]).verify(
        claim, [_evidence("Training uses a learning rate of 3 × 10^-5.")]
    )
    assert verdict.label is Label.NOT_ENOUGH_INFO
    assert verdict.reason == "number_mismatch: claim 3e-4, source 3 × 10^-5"
    assert verdict.confidence <= 0.2


def test_a_support_in_another_surface_form_passes_the_guards():
    claim = Claim("c", "The mAP is reported for XQuAD-R with lr 3e-5.")
    verdict = _verifier([[0.9, 0.05, 0.05]]).verify(
        claim, [_evidence("MAP is reported for XQuAD R with a learning rate of 3 × 10^-5.")]
    )
    assert verdict.label is Label.SUPPORTED and verdict.reason is None


def test_quotes_are_the_candidates_own_spans_best_first():
    candidates = [_evidence("first sentence here.", 0), _evidence("second sentence here.", 30)]
    verdict = _verifier([[0.6, 0.1, 0.3], [0.9, 0.05, 0.05]]).verify(Claim("c", "x"), candidates)
    assert [e.start for e in verdict.evidence] == [30, 0]
    assert all(e.quote == c.quote for e, c in zip(verdict.evidence, candidates[::-1], strict=True))


def test_no_candidates_means_not_enough_info():
    verdict = _verifier([]).verify(Claim("c", "x"), [])
    assert verdict.label is Label.NOT_ENOUGH_INFO and verdict.reason.startswith("no_candidates")


@pytest.mark.slow
def test_a_few_training_steps_lower_the_loss_and_the_export_loads(model_dir, tmp_path):
    import torch

    from synth.core.settings import RetrieveSettings
    from synth.retrieve.embed import load_base_embedder
    from synth.train.finetune import FineTune
    from synth.train.verifier_data import Pair
    from synth.train.verifier_loop import VerifierConfig, VerifierTask
    from synth.verify.nli import make_head
    from synth.verify.registry import load_verifier, resolve_verifier
    from synth.weights import hidden_size

    pairs = [
        Pair("Sales rose in May.", "Sales rose in May.", Label.SUPPORTED, "t", "g1"),
        Pair("Sales fell in May.", "Sales rose in May.", Label.CONTRADICTED, "t", "g1"),
        Pair("Sales rose in May.", "The sky was blue.", Label.NOT_ENOUGH_INFO, "t", "g2"),
        Pair("Costs rose in June.", "Costs rose in June.", Label.SUPPORTED, "t", "g3"),
    ]
    config = VerifierConfig(
        scifact=tmp_path,
        lareqa=[],
        steps=6,
        batch_size=4,
        lr=1e-4,
        head_lr=1e-2,
        warmup_steps=1,
        scifact_weight=1,
    )
    base = load_base_embedder(model_dir, RetrieveSettings()).model_dir
    ft = FineTune(
        base,
        lr=config.lr,
        weight_decay=0.0,
        warmup_steps=1,
        steps=6,
        max_seq_length=64,
        extra={"head": make_head(hidden_size(base))},
        extra_lr=config.head_lr,
    )
    task = VerifierTask(config, ft, {"train": pairs, "calibration": pairs})
    with torch.no_grad():
        before = float(task.loss(pairs))
    for _ in range(6):
        ft.step(task.loss(pairs))
    with torch.no_grad():
        after = float(task.loss(pairs))
    assert after < before, (before, after)

    ft.train_mode(False)
    out = task.export(tmp_path / "best", {})
    (out / "calibration.json").write_text(json.dumps({"temperature": 1.0}))
    verifier = load_verifier(resolve_verifier(str(out), "any-retriever"), None, model_dir)
    with torch.no_grad():
        expected = torch.softmax(task.logits(pairs).float(), dim=1).numpy()
    got = verifier.probabilities([p.claim for p in pairs], [p.evidence for p in pairs])
    assert np.allclose(got, expected, atol=0.02), "the shipped files reproduce the trained model"

    # With a combiner in calibration.json and the retriever at hand, the probabilities are the
    # combiner's over the logits and the cheap pair features (method nli-e5-v2).
    from synth.retrieve.embed import CachedEncoder
    from synth.store.db import connect
    from synth.store.embeddings import EmbeddingCache
    from synth.verify.combine import Combiner, pair_features

    embedder = load_base_embedder(model_dir, RetrieveSettings())
    encoder = CachedEncoder(embedder, EmbeddingCache(connect(":memory:"), embedder.model_id))
    claims, evidences = [p.claim for p in pairs], [p.evidence for p in pairs]
    cosines = np.einsum("ij,ij->i", encoder.queries(claims), encoder.passages(evidences))
    features = pair_features(verifier.logits(claims, evidences), cosines, claims, evidences)
    gold = np.array([0, 1, 2, 0])
    combiner = Combiner.fit(features, gold)
    calibration = {
        "temperature": 1.0,
        "combiner": combiner.to_dict(),
        "combiner_retriever": encoder.model_id,
    }
    (out / "calibration.json").write_text(json.dumps(calibration))
    combined = load_verifier(resolve_verifier(str(out), encoder.model_id), encoder, model_dir)
    assert combined.method == "nli-e5-v2"
    got = combined.probabilities(claims, evidences)
    assert np.allclose(got, combiner.probabilities(features), atol=0.02)
    assert (got.argmax(axis=1) == gold).all()
