"""One registry decides which verifier runs, under which name and identity (nothing loaded)."""

from __future__ import annotations

import json

import pytest

from synth.core.errors import ModelError
from synth.verify.registry import CODE_VERSION, resolve_verifier
from synth.verify.verifier import SimilarityVerifier


def _trained(tmp_path, **calibration):
    directory = tmp_path / "verifier"
    directory.mkdir()
    (directory / "verifier.safetensors").write_bytes(b"delta")
    (directory / "head.safetensors").write_bytes(b"head")
    (directory / "calibration.json").write_text(json.dumps({"temperature": 1.0, **calibration}))
    return directory


def test_similarity_is_named_and_keyed_by_its_code_version():
    spec = resolve_verifier("similarity", "any-retriever")
    assert spec.method == SimilarityVerifier.method and not spec.files
    assert spec.identity.endswith(CODE_VERSION)


def test_a_combiner_runs_beside_the_retriever_it_was_fitted_with(tmp_path):
    directory = _trained(tmp_path, combiner={}, combiner_retriever="retriever-a")
    spec = resolve_verifier(str(directory), "retriever-a")
    assert spec.combined and spec.method == "nli-e5-v2"
    assert "logistic regression" in spec.description


def test_beside_another_retriever_the_combiner_is_left_out_and_the_name_says_so(tmp_path, caplog):
    directory = _trained(tmp_path, combiner={}, combiner_retriever="retriever-a")
    spec = resolve_verifier(str(directory), "retriever-b")
    assert not spec.combined and spec.method == "nli-e5-v2-no-combiner"
    assert "temperature-calibrated" in spec.description
    assert "retriever-a" in caplog.text, "the fallback is announced, never silent"


def test_identity_changes_with_the_files_contents(tmp_path):
    directory = _trained(tmp_path)
    before = resolve_verifier(str(directory), "r").identity
    (directory / "head.safetensors").write_bytes(b"another head")
    assert resolve_verifier(str(directory), "r").identity != before


def test_the_shipped_verifier_resolves_with_its_recorded_retriever():
    from synth.retrieve.embed import resolve_encoder

    default_retriever = resolve_encoder("default")[0]
    spec = resolve_verifier("default", default_retriever)
    assert spec.combined and spec.method == "nli-e5-v4"
    assert "IndoNLI" in spec.description, "the Methodology names what it was trained on"


def test_a_directory_without_a_verifier_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="no trained verifier"):
        resolve_verifier(str(tmp_path), "r")


def test_a_combiner_fitted_beside_one_runtime_of_a_retriever_runs_beside_the_other(tmp_path):
    directory = _trained(tmp_path, combiner={}, combiner_retriever="retriever-a+onnx-int8.e2")
    assert resolve_verifier(str(directory), "retriever-a").combined
    assert resolve_verifier(str(directory), "retriever-a+onnx-int8.e2").combined
    assert not resolve_verifier(str(directory), "retriever-b+onnx-int8.e2").combined


def _with_decision(tmp_path, retriever="retriever-a"):
    directory = _trained(tmp_path, combiner={}, combiner_retriever="retriever-a")
    (directory / "decision.json").write_text(json.dumps({"retriever": retriever, "x": 1}))
    return directory


def test_the_fitted_claim_decision_runs_and_is_part_of_the_identity(tmp_path):
    directory = _with_decision(tmp_path)
    learned = resolve_verifier(str(directory), "retriever-a")
    assert learned.decision == directory / "decision.json"
    assert "precision" in learned.description, "the Methodology says how × is decided"
    old = resolve_verifier(str(directory), "retriever-a", decision="max")
    assert old.decision is None and old.identity != learned.identity
    (directory / "decision.json").write_text(json.dumps({"retriever": "retriever-a", "x": 2}))
    refit = resolve_verifier(str(directory), "retriever-a")
    assert refit.identity != learned.identity, "a refitted decision never reuses verdicts"


def test_beside_another_retriever_the_decision_steps_aside_with_a_warning(tmp_path, caplog):
    directory = _with_decision(tmp_path)
    spec = resolve_verifier(str(directory), "retriever-b")
    assert spec.decision is None
    assert "max rule" in caplog.text
