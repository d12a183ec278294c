"""The one place that decides which verifier runs: a name (`VerifySettings.model`) -> a spec
(method, identity, description, files) -> a loaded `Verifier`.

Names: 'similarity' (similarity-v1), 'default' (the shipped trained verifier), or a trained
verifier directory (delta, head, calibration; a training run directory works too).

A trained verifier's combiner was fitted on the cosine of one particular retriever, recorded
as `combiner_retriever` in its calibration file. Beside another retriever the combiner's
cosine feature would mean something else, so the verifier then runs without its combiner:
its cross-encoder with the fitted temperature, under a method name that says so, and a
warning. It never silently mixes the two.

`resolve_verifier` reads only small files, so a batch can key stored verdicts by the spec's
identity without loading a model.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from synth.core.console import NullProgress, Progress
from synth.core.runtime import Dtype, use_bf16
from synth.extract.evidence import EVIDENCE_VERSION
from synth.verify.decision import DECISION_FILE, decision_identity
from synth.verify.guards import GUARDS_VERSION
from synth.verify.verifier import SimilarityVerifier, Verifier
from synth.weights.onnx import onnx_model_id, same_weights

log = logging.getLogger(__name__)

# Bump when verifier code changes what a verdict is for the same model files (thresholds,
# aggregation over candidates, quote choice). Together with the guards' and the evidence
# selection's versions it is part of every stored verdict's key.
VERIFIER_CODE_VERSION = 1
CODE_VERSION = f"verifier{VERIFIER_CODE_VERSION}.guards{GUARDS_VERSION}.evidence{EVIDENCE_VERSION}"

_CROSS_ENCODER = (
    "a cross-encoder (multilingual-e5-small with a three-way head, trained by synth on {data}) "
    "scores every candidate sentence"
)
_GUARDS = (
    "number and name guards veto a support that states other numbers or lacks a named "
    "dataset or model; anything else is not enough information (?)."
)
_COMBINED_PAIRS = (
    ", and a logistic regression fitted on held-out labelled pairs turns its scores, the "
    "retriever's similarity, the claim's word coverage and number, name and negation checks "
    "into calibrated probabilities per sentence"
)
_TEMPERATURE_PAIRS = " (temperature-calibrated probabilities per sentence)"
_COMBINED = _COMBINED_PAIRS + (
    "; the confidence is the probability of support for the best sentence, and "
)
_TEMPERATURE = (
    "; the confidence is its temperature-calibrated probability of support for the best "
    "sentence, and "
)
_MAX_RULE = "the best support (or else the best contradiction) at 0.5 decides; "
_LEARNED = (
    "; a second regression, fitted on labelled claims checked against whole abstracts, reads "
    "all of a claim's candidates at once (top probabilities, those of the most relevant "
    "sentence, how many agree, word coverage) and gives one probability distribution for the "
    "claim, whose P(supported) is the confidence; × needs P(contradicted) above a threshold "
    "chosen on dev for the precision of × and a contradicting sentence about the claim's "
    "subject, or a rule-found conflict (a number bound to another name, a reversed comparison "
    "or direction); "
)
_DEFAULT_DATA = "SciFact, XQuAD-R and rule-made contradictions"


@dataclass(frozen=True, slots=True)
class VerifierSpec:
    name: str  # as the settings name it
    method: str  # shown in reports, e.g. "nli-e5-v2"
    identity: str  # method + hash of its files + code version: part of stored verdicts' keys
    description: str  # one sentence for a report's Methodology
    files: tuple[Path, ...] = ()  # delta, head, calibration (trained verifiers)
    combined: bool = False  # runs its combiner (fitted with this retriever)
    runtime: str = "torch"  # or "onnx-int8"
    decision: Path | None = None  # the fitted claim decision; None: the max rule


def resolve_verifier(
    name: str, encoder_id: str, runtime: str = "torch", decision: str = "learned"
) -> VerifierSpec:
    """The spec of the verifier `name` names, to run beside the retriever `encoder_id`, in
    `runtime` ('torch', or 'onnx-int8': its int8 ONNX export; another identity, since its
    probabilities differ slightly), deciding claims by `decision` ('learned': the verifier's
    fitted claim decision where it has one and runs as it was fitted; 'max': the old rule).

    Raises:
        ModelError: `name` is neither 'similarity' nor a directory with a trained verifier.
    """
    if name == "similarity":
        method = SimilarityVerifier.method
        return VerifierSpec(
            name, method, f"{method}@{CODE_VERSION}", SimilarityVerifier.description
        )
    from synth.verify.nli import verifier_files

    files = verifier_files(name)
    calibration = json.loads(files[2].read_text(encoding="utf-8"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    has_combiner = "combiner" in calibration
    fitted_with = calibration.get("combiner_retriever")
    # a retriever's int8 export gives cosines within ~0.004 of its torch model: a combiner
    # fitted beside either runtime fits both
    combined = has_combiner and (fitted_with is None or same_weights(fitted_with, encoder_id))
    # training writes its method; older exports are the v1 (no combiner) and v2 releases
    method = calibration.get("method") or ("nli-e5-v2" if has_combiner else "nli-e5-v1")
    data = calibration.get("training_data") or _DEFAULT_DATA
    if has_combiner and not combined:
        log.warning(
            "the verifier's combiner was fitted with the retriever %s, not %s: running its "
            "cross-encoder alone (temperature-calibrated)",
            fitted_with,
            encoder_id,
        )
        method += "-no-combiner"
    decision_file = _decision_file(files[0].parent, encoder_id, combined, decision)
    if decision_file is None:
        tail = (_COMBINED if combined else _TEMPERATURE) + _MAX_RULE
    else:
        tail = (_COMBINED_PAIRS if combined else _TEMPERATURE_PAIRS) + _LEARNED
    description = _CROSS_ENCODER.format(data=data) + tail + _GUARDS
    runs_as = onnx_model_id(method, pairs=True) if runtime == "onnx-int8" else method
    identity = (
        f"{runs_as}:{digest.hexdigest()[:12]}@{CODE_VERSION}.{decision_identity(decision_file)}"
    )
    return VerifierSpec(
        name, method, identity, description, tuple(files), combined, runtime, decision_file
    )


def _decision_file(directory: Path, encoder_id: str, combined: bool, choice: str) -> Path | None:
    """The fitted claim decision to run, or None for the max rule. A decision reads the
    combiner's probabilities and the retriever's cosines: beside another retriever, or a
    verifier running without its combiner, it would read other numbers, so it does not run."""
    path = directory / DECISION_FILE
    if choice == "max" or not path.is_file():
        return None
    fitted_with = json.loads(path.read_text(encoding="utf-8")).get("retriever")
    if not combined or (fitted_with and not same_weights(fitted_with, encoder_id)):
        log.warning(
            "the verifier's claim decision was fitted beside the retriever %s and its "
            "combiner; here they differ: deciding claims by the max rule",
            fitted_with,
        )
        return None
    return path


def _onnx_id(model_id: str, head: Path) -> str:
    return f"{model_id}+head-{hashlib.sha256(head.read_bytes()).hexdigest()[:10]}"


def runtime_dir(spec: VerifierSpec, models_dir: Path) -> Path | None:
    """The folder the verifier of `spec` runs from once built (its ONNX export, or its merged
    weights for the torch runtime); None when it needs no built model."""
    if not spec.files:
        return None
    from synth.weights import BASE_MODEL_ID
    from synth.weights.delta import delta_model_id
    from synth.weights.onnx import onnx_dir_name

    delta, head, _ = spec.files
    model_id = delta_model_id(BASE_MODEL_ID, delta)
    if spec.runtime == "onnx-int8":
        return models_dir / onnx_dir_name(_onnx_id(model_id, head), pairs=True)
    return models_dir / model_id.replace("/", "_")


def build_verifier(
    spec: VerifierSpec, models_dir: Path, progress: Progress = NullProgress()
) -> tuple[str, Path, Path | None]:
    """Build (once) what the verifier of `spec` runs from: its merged weights and, for the
    ONNX runtime, their export. Returns (model id, weights folder, export folder or None)."""
    from synth.weights import delta_model_dir

    delta, head, _ = spec.files
    model_id, model_dir = delta_model_dir(models_dir, delta, progress, "verifier")
    if spec.runtime != "onnx-int8":
        return model_id, model_dir, None
    from synth.weights.onnx import onnx_model_dir

    # beside a shipped verifier: its SmoothQuant maxima, so the export need not calibrate
    maxima = delta.with_name("smoothquant.npz")
    target = onnx_model_dir(
        models_dir, _onnx_id(model_id, head), model_dir, progress, head=head, smoothquant=maxima
    )
    return model_id, model_dir, target


def load_verifier(
    spec: VerifierSpec,
    encoder,
    models_dir: Path,
    *,
    dtype: Dtype = "fp32",
    max_quotes: int = 2,
    progress: Progress = NullProgress(),
) -> Verifier:
    """The verifier of `spec`, beside the retriever's `encoder` (a CachedEncoder: similarity
    scores and the combiner's cosine feature come from it). `dtype` applies to the torch
    runtime ('auto': bf16 where the CPU has it natively)."""
    if not spec.files:
        return SimilarityVerifier(encoder, max_quotes)
    from synth.verify.combine import Combiner
    from synth.verify.decision import ClaimDecision, DecisionModel
    from synth.verify.nli import NliVerifier

    delta, head, calibration_path = spec.files
    calibration = json.loads(calibration_path.read_text(encoding="utf-8"))
    model_id, model_dir, target = build_verifier(spec, models_dir, progress)
    scorer = None
    if target is not None:
        from synth.verify.onnx_pairs import OnnxPairScorer

        scorer = OnnxPairScorer(
            target,
            int(calibration.get("max_length", 256)),
            rebuild=lambda: build_verifier(spec, models_dir, progress)[2],
        )
    verifier = NliVerifier(
        model_dir,
        head,
        calibration,
        method=spec.method,
        description=spec.description,
        combiner=Combiner.from_dict(calibration["combiner"]) if spec.combined else None,
        encoder=encoder,
        model_id=model_id,
        # only the torch runtime computes in bf16 (asking the CPU imports torch)
        bf16=spec.runtime == "torch" and use_bf16(dtype),
        max_quotes=max_quotes,
        scorer=scorer,
        decision=ClaimDecision(DecisionModel.load(spec.decision)) if spec.decision else None,
    )
    return verifier
