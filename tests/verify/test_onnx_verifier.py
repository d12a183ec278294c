"""The verifier's int8 ONNX runtime: exported once, the same verdicts as the torch model on a
fixed multilingual set, confidences close, and no torch imported to score pairs."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from synth.verify.calibration import softmax
from synth.verify.registry import load_verifier, resolve_verifier

pytestmark = pytest.mark.slow

PAIRS = [
    ("Hybrid batch training reduces language bias.",
     "Hybrid batch training also substantially reduces language bias in multilingual retrieval."),
    ("Hybrid batch training increases language bias.",
     "Hybrid batch training also substantially reduces language bias in multilingual retrieval."),
    ("The model was trained on 12 languages.", "We evaluate on XQuAD-R, MLQA-R and MIRACL."),
    ("Der Hund schläft im Garten.", "The dog is sleeping in the garden."),
    ("犬は庭で寝ている。", "The dog is sleeping in the garden."),
    ("Recall improves by 5%.", "Recall improves by 5% on all benchmarks."),
    ("Cats are mammals.", "The experiment ran for twelve weeks on two clusters."),
    ("Aspirin lowers the risk of stroke.", "Aspirin had no effect on the risk of stroke."),
]  # fmt: skip


@pytest.fixture(scope="module")
def verifiers(model_dir):
    encoder_id = "test-encoder"  # no combiner is run: the cross-encoder's own probabilities
    out = {}
    for runtime in ("torch", "onnx-int8"):
        spec = resolve_verifier("default", encoder_id, runtime)
        out[runtime] = load_verifier(spec, None, model_dir)
    return out


def test_its_probabilities_stay_close_to_the_torch_models(verifiers):
    claims, evidences = [c for c, _ in PAIRS], [e for _, e in PAIRS]
    torch_logits = verifiers["torch"].logits(claims, evidences)
    onnx_logits = verifiers["onnx-int8"].logits(claims, evidences)
    t = verifiers["torch"].temperature
    p_torch, p_onnx = softmax(torch_logits, t), softmax(onnx_logits, t)
    # int8 moves logits by up to ~0.25 here: a near tie (the "increases" pair: 1.64 vs 1.65)
    # may flip, every clear decision holds (the full-set agreement is a benchmark row)
    top2 = np.sort(torch_logits, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] >= 0.5
    assert clear.sum() >= 6
    assert (torch_logits.argmax(1) == onnx_logits.argmax(1))[clear].all()
    assert np.abs(p_torch - p_onnx).max() <= 0.1, np.abs(p_torch - p_onnx).max()


def test_stored_verdicts_of_the_two_runtimes_never_mix():
    torch_spec = resolve_verifier("default", "e")
    onnx_spec = resolve_verifier("default", "e", "onnx-int8")
    assert torch_spec.identity != onnx_spec.identity and torch_spec.method == onnx_spec.method


def test_scoring_pairs_imports_no_torch(verifiers):
    scorer = verifiers["onnx-int8"].scorer
    code = (
        "import sys, json; from pathlib import Path;"
        "from synth.verify.onnx_pairs import OnnxPairScorer;"
        f"s = OnnxPairScorer(Path({str(scorer.model_dir)!r}), {scorer.max_length}, threads=1);"
        "print(json.dumps([s.logits(['A claim.'], ['Some evidence.']).shape[1],"
        " 'torch' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [3, False]


def test_the_shipped_maxima_match_the_default_verifier():
    from synth.verify.registry import _onnx_id
    from synth.weights import BASE_MODEL_ID
    from synth.weights.delta import delta_model_id
    from synth.weights.onnx import calibration_key, shipped_maxima

    delta, head, _ = resolve_verifier("default", "e", "onnx-int8").files
    key = calibration_key(_onnx_id(delta_model_id(BASE_MODEL_ID, delta), head), 512)
    maxima = shipped_maxima(delta.with_name("smoothquant.npz"), key)
    assert isinstance(maxima, dict), "rerun python -m bench.ship_smoothquant"
    assert len(maxima) == 24, "one per feed-forward input: 12 layers x (up, down)"


def test_the_export_is_fused_int8_with_a_half_precision_word_table_beside_the_graph(verifiers):
    import numpy as np
    import onnx

    from synth.weights.onnx import WORD_TABLE_FILE

    folder = verifiers["onnx-int8"].scorer.model_dir
    graph = onnx.load(str(folder / "model.onnx")).graph
    ops = {n.op_type for n in graph.node}
    assert {"QAttention", "SkipLayerNormalization", "MatMulInteger"} <= ops, ops
    assert not [i for i in graph.initializer if len(i.dims) == 2 and i.dims[0] > 10_000]
    table = np.load(folder / WORD_TABLE_FILE, mmap_mode="r")
    assert table.dtype == np.float16 and table.shape[0] > 10_000
