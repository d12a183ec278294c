"""An encoder folder -> an ONNX graph with int8 weights, for inference without torch.

Exported once per model id into the model cache (`<model id>.onnx-int8.e<EXPORT_VERSION>`),
atomically: a `.part` folder renamed into place. The export itself needs torch and `onnx`;
running the result needs only onnxruntime and tokenizers (`retrieve.onnx_embed` for the
retriever, `verify.onnx_pairs` for the verifier, whose graph ends in its head's logits).

Quantisation: onnxruntime's dynamic int8, per output channel, of chosen weight MatMuls
(BENCHMARKS.md, 2026-11-30). The retriever's: the attention projections and the feed-forward
up-projection. On XQuAD-R test, quantising every MatMul lost 0.011 Cr and 0.015 Mul mAP, and
every variant that quantised the feed-forward down-projection (whose input, after GELU, has
outlier features that a per-tensor activation scale flattens) lost about as much; this
selection keeps Mo/Cr/Mul within 0.002 of fp32 at 1.6x the passages/s of the fp32 graph. The
verifier's (a decision on one pooled vector, not a ranking): the query/key/value projections
only. With the retriever's selection 98.1% / 98.5% of SciFact dev / generated-test labels
matched torch fp32; keeping the last two layers fp32 changed nothing, leaving the feed-forward
up-projection fp32 gave 99.5% / 99.1%. The embedding table and the verifier's head stay fp32.
"""

from __future__ import annotations

import json
import logging
import shutil
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from synth.core.console import NullProgress, Progress
from synth.core.errors import ModelError

EXPORT_VERSION = 2  # encoders; 2: the selective quantisation above (1 quantised every MatMul)
PAIRS_EXPORT_VERSION = 3  # cross-encoders with a head; 3: q/k/v only (2: as encoders)
ONNX_ID_MARK = "+onnx-int8"
MODEL_FILE = "model.onnx"
META_FILE = "synth_onnx.json"
# Tokens per inference batch (rows x longest row). Measured with `python -m bench.onnx_batch`
# (2 threads, 600 passages of ~340 chars): 1024 / 2048 / 4096 / 8192 / 16384 tokens gave
# 38.0 / 40.2 / 39.1 / 36.6 / 32.3 passages/s at peak RSS 0.90 / 1.00 / 1.14 / 1.77 / 2.26 GB.
MAX_BATCH_TOKENS = 2048


def export_version(pairs: bool) -> int:
    """The version of an export: a pair scorer's (with a head) or an encoder's."""
    return PAIRS_EXPORT_VERSION if pairs else EXPORT_VERSION


def onnx_model_id(model_id: str, pairs: bool = False) -> str:
    """The id of a model's int8 export: what vectors and verdicts it makes are stored under,
    so they never mix with the torch model's."""
    return f"{model_id}{ONNX_ID_MARK}.e{export_version(pairs)}"


def same_weights(a: str, b: str) -> bool:
    """Whether two model ids name the same weights in any runtime (an export or the model)."""
    return a.split(ONNX_ID_MARK)[0] == b.split(ONNX_ID_MARK)[0]


def onnx_dir_name(model_id: str, pairs: bool = False) -> str:
    return f"{model_id.replace('/', '_')}.onnx-int8.e{export_version(pairs)}"


def onnx_model_dir(
    models_dir: Path,
    model_id: str,
    source_dir: Path,
    progress: Progress = NullProgress(),
    *,
    head: Path | None = None,
) -> Path:
    """The int8 ONNX export of the encoder in `source_dir` (a sentence-transformers folder
    whose root holds the BERT weights and tokenizer.json), built on first use. Its output is
    the last hidden states; with `head` (a linear head's safetensors: the verifier's), the
    head's logits over the mean-pooled states instead (`model_id` must then name the head).

    Raises:
        ModelError: the export failed (the partial folder is removed).
    """
    target = models_dir / onnx_dir_name(model_id, pairs=head is not None)
    if (target / MODEL_FILE).is_file() and (target / META_FILE).is_file():
        return target
    what = "the verifier" if head else "the encoder"
    progress.status(f"exporting {what} to ONNX with int8 weights (once, ~20 s)…")
    part = target.with_name(target.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    try:
        _export(source_dir, part, head)
        shutil.copy(source_dir / "tokenizer.json", part / "tokenizer.json")
        config = json.loads((source_dir / "config.json").read_text(encoding="utf-8"))
        meta = {
            "model_id": model_id,
            "export_version": export_version(head is not None),
            "hidden_size": config["hidden_size"],
            "max_length": _max_length(source_dir),
            "quantization": "dynamic int8 per channel: "
            + ("q/k/v weights" if head else "attention and feed-forward-up weights"),
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


def _export(source_dir: Path, out_dir: Path, head: Path | None = None) -> None:
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

    class PooledLogits(torch.nn.Module):
        """Mean pooling over real tokens, then the linear head (as `verify.nli.pair_logits`)."""

        def __init__(self, bert, linear) -> None:
            super().__init__()
            self.bert, self.linear = bert, linear

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask)
            mask = attention_mask.unsqueeze(-1).float()
            pooled = (hidden.last_hidden_state * mask).sum(1) / mask.sum(1)
            return self.linear(pooled)

    if head is None:
        module, output = LastHidden(model), "last_hidden_state"
        dynamic_out = {0: "batch", 1: "tokens"}
    else:
        from safetensors.torch import load_file

        state = load_file(str(head))
        linear = torch.nn.Linear(state["weight"].shape[1], state["weight"].shape[0])
        linear.load_state_dict(state)
        module, output, dynamic_out = PooledLogits(model, linear.eval()), "logits", {0: "batch"}
    ids = torch.tensor([[0, 100, 200, 2], [0, 300, 2, 1]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    fp32 = out_dir / "model.fp32.onnx"
    dynamic = {0: "batch", 1: "tokens"}  # any batch size and length
    # the exporter's tracer warnings and the quantizer's advice are not for synth's users
    with torch.no_grad(), warnings.catch_warnings(), _quiet_root_logger():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (ids, mask),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=[output],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, output: dynamic_out},
            opset_version=17,
            dynamo=False,
        )
        import onnx

        matmuls = [n.name for n in onnx.load(str(fp32)).graph.node if n.op_type == "MatMul"]
        quantize_dynamic(
            str(fp32),
            str(out_dir / MODEL_FILE),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=[n for n in matmuls if not _quantised(n, pairs=head is not None)],
            extra_options={"MatMulConstBOnly": True},  # weights only, never act x act
        )
    fp32.unlink()


# running an export (no torch) ------------------------------------------------------------
PAD_ID = 1  # XLM-R's <pad>


def open_export(model_dir: Path, max_length: int, threads: int, *, pairs: bool = False):
    """(onnxruntime session, tokenizer cutting at `max_length`; longest-first for pairs)."""
    import onnxruntime
    from tokenizers import Tokenizer

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(
        str(model_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    if pairs:
        tokenizer.enable_truncation(max_length, strategy="longest_first")
    else:
        tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()
    return session, tokenizer


def token_batches(lengths: Sequence[int], max_rows: int, max_tokens: int) -> list[list[int]]:
    """Row indices, shortest first, grouped so that a group padded to its longest text holds
    at most `max_tokens` tokens (and `max_rows` rows): many short texts per batch, few long
    ones. onnxruntime keeps the largest activations it has seen in its arena, so the budget
    bounds the memory a run keeps, whatever the texts (a text longer than the budget goes
    alone)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        full = len(current) == max_rows or (len(current) + 1) * lengths[i] > max_tokens
        if current and full:
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def padded(encodings) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) of a batch of tokenizers encodings, padded to the longest."""
    width = max(len(e.ids) for e in encodings)
    ids = np.full((len(encodings), width), PAD_ID, dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return ids, mask


def _quantised(node: str, pairs: bool = False) -> bool:
    """Whether a MatMul (named by torch's exporter, e.g.
    /bert/encoder/layer.3/intermediate/dense/MatMul) gets int8 weights: for an encoder the
    attention projections and the feed-forward up-projection; for a pair scorer the
    query/key/value projections (see the module docstring)."""
    if pairs:
        return "/attention/self/" in node
    return "/attention/" in node or "/intermediate/" in node


@contextmanager
def _quiet_root_logger():
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
