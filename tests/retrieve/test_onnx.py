"""The int8 ONNX runtime: exported once, agrees with the torch model, runs without torch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from synth.core.settings import RetrieveSettings
from synth.retrieve.embed import PASSAGE_PREFIX, QUERY_PREFIX, load_base_embedder, load_embedder

pytestmark = pytest.mark.slow

TEXTS = [
    PASSAGE_PREFIX + "Hybrid batch training reduces language bias in multilingual retrieval.",
    PASSAGE_PREFIX + "Der Hund schläft im Garten, während es regnet.",
    PASSAGE_PREFIX + "机器翻译的质量在过去十年中显著提高。",
    PASSAGE_PREFIX + "La température moyenne a augmenté de deux degrés.",
    QUERY_PREFIX + "Does hybrid batch training reduce language bias?",
    QUERY_PREFIX + "Wo schläft der Hund?",
]


@pytest.fixture(scope="module")
def onnx_embedder(model_dir):
    return load_embedder(model_dir, RetrieveSettings(model="base", runtime="onnx-int8", threads=1))


def test_int8_vectors_stay_close_to_the_fp32_model(onnx_embedder, model_dir):
    fp32 = load_base_embedder(model_dir, RetrieveSettings(dtype="fp32", threads=1)).encode(TEXTS)
    int8 = onnx_embedder.encode(TEXTS)
    cosines = np.sum(fp32 * int8, axis=1)
    assert cosines.min() >= 0.98 and cosines.mean() >= 0.99, cosines


def test_rankings_agree_with_the_fp32_model(onnx_embedder, model_dir):
    fp32 = load_base_embedder(model_dir, RetrieveSettings(dtype="fp32", threads=1))
    passages, queries = TEXTS[:4], TEXTS[4:]
    for embedder in (fp32, onnx_embedder):
        scores = embedder.encode(queries) @ embedder.encode(passages).T
        assert list(scores.argmax(axis=1)) == [0, 1], "each query finds its passage"


def test_its_vectors_are_cached_under_their_own_model_id(onnx_embedder):
    from synth.weights.onnx import EXPORT_VERSION

    assert onnx_embedder.model_id.endswith(f"+onnx-int8.e{EXPORT_VERSION}")


def test_down_projections_are_smoothed_and_int8_unless_their_outliers_are_too_strong(
    onnx_embedder,
):
    import onnx

    graph = onnx.load(str(onnx_embedder.model_dir / "model.onnx")).graph
    weights = {init.name for init in graph.initializer}
    fp32 = [n.name for n in graph.node if n.op_type == "MatMul" and set(n.input) & weights]
    smooth = [n.name for n in graph.node if n.op_type == "Mul" and n.name.endswith("/smooth")]
    assert all("/output/dense/" in n and "/attention/" not in n for n in fp32 + smooth)
    assert len(fp32) + len(smooth) == 12, "each layer's down-projection: int8 after a Mul, or fp32"
    assert len(smooth) >= 6, "most layers' down-projections are int8"


def test_the_int8_runtime_encodes_without_importing_torch(onnx_embedder):
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from synth.retrieve.onnx_embed import OnnxEmbedder\n"
        f"e = OnnxEmbedder(Path({str(onnx_embedder.model_dir)!r}), 'm', threads=1)\n"
        "v = e.encode(['passage: hello'])\n"
        "print(json.dumps([v.shape[1], 'torch' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [384, False]


def test_shipped_smoothquant_maxima_are_used_only_for_the_weights_they_were_made_for(tmp_path):
    import numpy as np

    from synth.weights.onnx import calibration_key, save_maxima, shipped_maxima

    key = calibration_key("model-a", 512)
    path = save_maxima(tmp_path / "sq.npz", key, [np.ones(4), np.arange(4.0)])
    (first, second) = shipped_maxima(path, key)
    assert first.tolist() == [1, 1, 1, 1] and second.tolist() == [0, 1, 2, 3]
    assert shipped_maxima(path, calibration_key("model-b", 512)) is None, "other weights"
    assert shipped_maxima(path, calibration_key("model-a", 256)) is None, "another length cut"
    assert shipped_maxima(tmp_path / "absent.npz", key) is None


def test_the_shipped_maxima_match_the_default_retriever():
    from synth.retrieve.embed import SHIPPED_SMOOTHQUANT, resolve_encoder
    from synth.weights.onnx import calibration_key, shipped_maxima

    model_id, _, _ = resolve_encoder("default")
    maxima = shipped_maxima(SHIPPED_SMOOTHQUANT, calibration_key(model_id, 512))
    assert maxima is not None and len(maxima) == 12, "rerun python -m bench.ship_smoothquant"
