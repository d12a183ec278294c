"""An encoder folder -> an ONNX graph with int8 weights, for inference without torch.

Exported once per model id into the model cache (`<model id>.onnx-int8.e<EXPORT_VERSION>`),
atomically: a `.part` folder renamed into place. The export itself needs torch and `onnx`;
running the result needs only onnxruntime and tokenizers (`retrieve.onnx_embed`).

Quantisation: onnxruntime's dynamic int8, per output channel. Measured on e5-small (2026-11,
one thread): 2.3x the passages/s of torch fp32, mean cosine 0.996 to fp32 vectors (per-tensor
scales gave 0.986). Whether retrieval metrics stay within 0.005 mAP is a benchmark question
(BENCHMARKS.md), which is why this runtime is opt-in (`retrieve.runtime = "onnx-int8"`).
"""

from __future__ import annotations

import json
import logging
import shutil
import warnings
from contextlib import contextmanager
from pathlib import Path

from synth.core.console import NullProgress, Progress
from synth.core.errors import ModelError

EXPORT_VERSION = 1
MODEL_FILE = "model.onnx"
META_FILE = "synth_onnx.json"


def onnx_dir_name(model_id: str) -> str:
    return f"{model_id.replace('/', '_')}.onnx-int8.e{EXPORT_VERSION}"


def onnx_model_dir(
    models_dir: Path, model_id: str, source_dir: Path, progress: Progress = NullProgress()
) -> Path:
    """The int8 ONNX export of the encoder in `source_dir` (a sentence-transformers folder
    whose root holds the BERT weights and tokenizer.json), built on first use.

    Raises:
        ModelError: the export failed (the partial folder is removed).
    """
    target = models_dir / onnx_dir_name(model_id)
    if (target / MODEL_FILE).is_file() and (target / META_FILE).is_file():
        return target
    progress.status("exporting the encoder to ONNX with int8 weights (once, ~20 s)…")
    part = target.with_name(target.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    try:
        _export(source_dir, part)
        shutil.copy(source_dir / "tokenizer.json", part / "tokenizer.json")
        config = json.loads((source_dir / "config.json").read_text(encoding="utf-8"))
        meta = {
            "model_id": model_id,
            "export_version": EXPORT_VERSION,
            "hidden_size": config["hidden_size"],
            "max_length": _max_length(source_dir),
            "quantization": "dynamic int8, per channel (onnxruntime)",
        }
        (part / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        part.rename(target)
    except Exception as exc:
        shutil.rmtree(part, ignore_errors=True)
        raise ModelError(
            f"exporting {model_id} to ONNX failed ({exc})",
            hint="use the torch runtime (retrieve.runtime = 'torch'), or install `onnx`",
        ) from exc
    return target


def _max_length(source_dir: Path) -> int:
    config = source_dir / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 512))
    return 512


def _export(source_dir: Path, out_dir: Path) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    from synth.weights import quiet_transformers

    quiet_transformers()
    model = AutoModel.from_pretrained(str(source_dir), dtype=torch.float32).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 100, 200, 2], [0, 300, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    fp32 = out_dir / "model.fp32.onnx"
    dynamic = {0: "batch", 1: "tokens"}  # any batch size and length
    # the exporter's tracer warnings and the quantizer's advice are not for synth's users
    with torch.no_grad(), warnings.catch_warnings(), _quiet_root_logger():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHidden(model),
            (ids, mask),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "last_hidden_state": dynamic,
            },
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(
            str(fp32), str(out_dir / MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True
        )
    fp32.unlink()


@contextmanager
def _quiet_root_logger():
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
