"""An encoder folder -> an ONNX graph with int8 weights, for inference without torch.

Exported once per model id into the model cache (`<model id>.onnx-int8.e<EXPORT_VERSION>`)
through `weights.cache.build_once`: one process at a time, complete or absent, rebuilt when
damaged. The export itself needs torch and `onnx`;
running the result needs only onnxruntime and tokenizers (`retrieve.onnx_embed` for the
retriever, `verify.onnx_pairs` for the verifier, whose graph ends in its head's logits).

Quantisation: onnxruntime's dynamic int8, per output channel, of chosen weight MatMuls
(BENCHMARKS.md, 2026-11-30). The retriever's: every weight MatMul, the feed-forward
down-projection after SmoothQuant (Xiao et al., 2023): its input, after GELU, has outlier
channels that one per-tensor activation scale flattens, so each input channel j is divided by
s_j = max|x_j|^0.75 / max|W_j|^0.25 (a `Mul` before the MatMul) and the weight's row j
multiplied by it, which leaves the product unchanged in exact arithmetic and moves the
outliers into the per-channel weight scales. The maxima come from `calibration.txt` (244
sentences of the XQuAD-R train articles, 11 languages) run through the fp32 graph. A
down-projection whose peak channel exceeds OUTLIER_LIMIT times the median channel's stays
fp32 (4 of the shipped retriever's 12). Quantising the down-projection plainly lost 0.011 Cr
and 0.015 Mul mAP on XQuAD-R test; export v2 kept all twelve fp32.
The verifier's (export v4; a decision on one pooled vector, not a ranking): traced with
eager attention, its feed-forward inputs smoothed as above (maxima shipped beside the default
verifier, `models/verifier/smoothquant.npz`, else calibrated on pairs of adjacent calibration
lines; inputs with outliers above OUTLIER_LIMIT stay fp32), the word-embedding table in fp16,
then fused by onnxruntime's transformer optimizer (Attention, SkipLayerNormalization, BiasGelu)
and every Attention and weight MatMul quantised. Against the fp32 graph, through the shipped
combiner: 99.0% / 98.7% of SciFact dev / generated-test labels and 99.5% / 99.6% of supported
decisions kept, at ~1.3x export v3's pairs/s (BENCHMARKS.md, `bench/verifier_quant.py`).
Export v3 quantised q/k/v only (99.0% / 99.3% labels); quantising the rest unsmoothed kept
93-95%. The verifier's head stays fp32.

Both exports keep the word-embedding table (250k rows, most of each graph's bytes) outside the
graph, in WORD_TABLE_FILE, fed to each run memory-mapped (`externalise_word_table`,
`OpenExport`): outputs are bit-identical, and a process holds only the rows its tokens read.
They tokenize with sentencepiece over the same pieces (`weights.tokens`: ~50 MB where the
tokenizers library's trie took ~270 MB), written beside the graph at export time.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synth.core.console import NullProgress, Progress
from synth.core.errors import ModelError
from synth.weights import cache
from synth.weights.tokens import RuntimeTokenizer, write_runtime_tokenizer

log = logging.getLogger(__name__)

# encoders; 5: as 4, sentencepiece at run time (`weights.tokens`); 4: as 3, the word table
# outside the graph, memory-mapped (3: every MatMul, the down-projection smoothed; 2: attention
# and feed-forward up only; 1: every MatMul, unsmoothed)
EXPORT_VERSION = 5
# cross-encoders with a head; 6: as 5, sentencepiece at run time; 5: as 4, the word table
# outside the graph, memory-mapped; 4: fused by onnxruntime's transformer optimizer, every
# weight MatMul int8, the feed-forward inputs smoothed, fp16 word embeddings (3: q/k/v only,
# unfused; 2: as encoders)
PAIRS_EXPORT_VERSION = 6
ONNX_ID_MARK = "+onnx-int8"
MODEL_FILE = "model.onnx"
META_FILE = "synth_onnx.json"
WORD_TABLE_FILE = "word_embeddings.npy"
# Tokens per inference batch (rows x longest row). Measured with `python -m bench.onnx_batch`
# (2 threads, 600 passages of ~340 chars): 1024 / 2048 / 4096 / 8192 / 16384 tokens gave
# 38.0 / 40.2 / 39.1 / 36.6 / 32.3 passages/s at peak RSS 0.90 / 1.00 / 1.14 / 1.77 / 2.26 GB.
MAX_BATCH_TOKENS = 2048
SMOOTH_ALPHA = 0.75  # 0.5 / 0.75 / 0.9 / 1.0: cosine to fp32 0.985 / 0.993 / 0.992 / 0.989
CALIBRATION_FILE = Path(__file__).with_name("calibration.txt")
# A down-projection whose strongest input channel peaks above this many times the median
# channel's peak stays fp32 (the shipped retriever: 4 of 12 layers, ratios 18-48; quantising
# them too cost 0.7 points of verifier label agreement, 99.2% -> 98.9%)
OUTLIER_LIMIT = 15.0


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
    smoothquant: Path | None = None,
) -> Path:
    """The int8 ONNX export of the encoder in `source_dir` (a sentence-transformers folder
    whose root holds the BERT weights and tokenizer.json), built on first use. Its output is
    the last hidden states; with `head` (a linear head's safetensors: the verifier's), the
    head's logits over the mean-pooled states instead (`model_id` must then name the head).
    `smoothquant`: a file of calibrated maxima (`save_maxima`), used when made for these
    weights, calibration text and length (else the export calibrates).

    Raises:
        ModelError: the export failed (the partial folder is removed).
    """
    target = models_dir / onnx_dir_name(model_id, pairs=head is not None)
    if cache.ready(target):
        return target
    what = "the verifier" if head else "the encoder"

    def build(part: Path) -> None:
        part.mkdir(parents=True)
        key = calibration_key(model_id, _max_length(source_dir))
        if head is None:
            _export(source_dir, part, None, shipped_maxima(smoothquant, key))
        else:  # in a fresh interpreter: the caller's torch (the delta it applied) stays out
            _run_in_child(
                "from synth.weights.onnx import _export, shipped_maxima;"
                "a = [Path(x) if x else None for x in sys.argv[1:5]];"
                "_export(a[0], a[1], a[2], shipped_maxima(a[3], sys.argv[5]))",
                [source_dir, part, head, smoothquant or "", key],
            )
        write_runtime_tokenizer(source_dir / "tokenizer.json", part)
        config = json.loads((source_dir / "config.json").read_text(encoding="utf-8"))
        meta = {
            "model_id": model_id,
            "export_version": export_version(head is not None),
            "hidden_size": config["hidden_size"],
            "max_length": _max_length(source_dir),
            "word_table": f"{WORD_TABLE_FILE}, a graph input fed memory-mapped",
            "quantization": "dynamic int8 per channel: "
            + (
                "fused; Attention and weight MatMuls, feed-forward inputs smoothed (alpha "
                f"{SMOOTH_ALPHA}) but those with outliers above {OUTLIER_LIMIT:g}x; fp16 "
                "word embeddings"
                if head
                else "every weight but the down-projections with outliers above "
                f"{OUTLIER_LIMIT:g}x, the others smoothed (alpha {SMOOTH_ALPHA})"
            ),
        }
        (part / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")

    try:
        return cache.build_once(
            target,
            build,
            what=f"ONNX export of {what[4:]}",
            announce=f"exporting {what} to ONNX with int8 weights (once, ~20 s)…",
            progress=progress,
        )
    except OSError as exc:
        raise ModelError(
            f"exporting {model_id} to ONNX failed: {exc.strerror or exc} ({target.parent})",
            hint="free disk space in the model cache, or point SYNTH_HOME (or "
            "retrieve.model_dir) at a writable disk with ~1 GB free",
        ) from exc
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(
            f"exporting {model_id} to ONNX failed ({exc})",
            hint="rerun the command (the partial export was removed); if it fails again, use "
            "the torch runtime (retrieve.runtime / verify.runtime = 'torch') and report it",
        ) from exc


def _max_length(source_dir: Path) -> int:
    config = source_dir / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text(encoding="utf-8")).get("max_seq_length", 512))
    return 512


def _export(
    source_dir: Path,
    out_dir: Path,
    head: Path | None = None,
    maxima: list[np.ndarray] | None = None,
) -> list[np.ndarray] | None:
    """Export, smooth (the encoder's down-projections; `maxima` skips their calibration) and
    quantise; returns the maxima used."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if head is not None:
        return _export_pairs(source_dir, out_dir, head, maxima)

    fp32 = out_dir / "model.fp32.onnx"
    # the exporter's tracer warnings and the quantizer's advice are not for synth's users
    with warnings.catch_warnings(), _quiet_root_logger():
        warnings.simplefilter("ignore")
        export_fp32(source_dir, fp32)
        fp32_matmuls, maxima = _smooth_down_projections(
            fp32, source_dir / "tokenizer.json", _max_length(source_dir), maxima
        )
        quantize_dynamic(
            str(fp32),
            str(out_dir / MODEL_FILE),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=sorted(fp32_matmuls),
            extra_options={"MatMulConstBOnly": True},  # weights only, never act x act
        )
    fp32.unlink()
    externalise_word_table(out_dir / MODEL_FILE)
    return maxima


def _export_pairs(
    source_dir: Path, out_dir: Path, head: Path, maxima: dict[str, np.ndarray] | None
) -> dict[str, np.ndarray]:
    """The pair scorer's export v4 (see the module docstring): eager-attention graph, its
    feed-forward inputs smoothed (`maxima`, else calibrated on pairs of adjacent
    CALIBRATION_FILE lines), fp16 word embeddings, fused, then int8 Attention and MatMuls
    (those reading inputs with outliers too strong to smooth stay fp32)."""
    import onnx
    from onnxruntime.transformers import optimizer

    fp32 = out_dir / "model.fp32.onnx"
    config = json.loads((source_dir / "config.json").read_text(encoding="utf-8"))
    with warnings.catch_warnings(), _quiet_root_logger():
        warnings.simplefilter("ignore")
        # in a process of its own: torch and the model (~2.3 GB) are gone before the graph
        # is fused and quantised (~1.2 GB more in the same process)
        _export_fp32_in_child(source_dir, fp32, head, eager=True)
        if maxima is None:
            maxima = input_maxima(
                fp32, _calibration_pairs(source_dir / "tokenizer.json", _max_length(source_dir))
            )
        # one step at a time from disk, the word table halved first: each step then holds
        # one copy of a graph half the size (all in memory, the optimiser and the quantiser
        # keep copies: 3.0 GB at the peak)
        half_embeddings(fp32)
        graph = onnx.load(str(fp32), load_external_data=False).graph
        ffn = {n.input[0] for n in graph.node if _is_feed_forward(n)}
        del graph
        maxima = {k: v for k, v in maxima.items() if k in ffn}
        keep = smooth_inputs(fp32, maxima, SMOOTH_ALPHA, OUTLIER_LIMIT)
        optimized = optimizer.optimize_model(
            str(fp32),
            model_type="bert",
            num_heads=config["num_attention_heads"],
            hidden_size=config["hidden_size"],
            opt_level=0,  # the fusions only: graph optimisations stay the runtime's, per CPU
        )
        optimized.save_model_to_file(str(fp32))
        del optimized
        quantise_fused(fp32, out_dir / MODEL_FILE, keep)
    fp32.unlink()
    externalise_word_table(out_dir / MODEL_FILE)
    return maxima


def quantise_fused(source: Path, out: Path, keep_fp32: set[str]) -> None:
    """Dynamic int8, per output channel, of a fused graph's Attention ops and weight MatMuls
    but `keep_fp32`."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        source,
        out,
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Attention"],
        nodes_to_exclude=sorted(keep_fp32),
        # weights only, never act x act; fused ops' outputs have no inferred type
        extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _export_fp32_in_child(source_dir: Path, fp32: Path, head: Path | None, eager: bool) -> None:
    """`export_fp32` in a fresh interpreter, so that torch and the model's weights are
    returned to the system when it ends."""
    _run_in_child(
        "from synth.weights.onnx import export_fp32;"
        "export_fp32(Path(sys.argv[1]), Path(sys.argv[2]),"
        " Path(sys.argv[3]) if sys.argv[3] else None, eager=sys.argv[4] == '1')",
        [source_dir, fp32, head or "", "1" if eager else "0"],
    )


def _run_in_child(code: str, argv: list) -> None:
    """Python `code` (with `sys`, `Path` imported, warnings off) in a fresh interpreter with
    `argv` as sys.argv[1:]: its memory is the system's again when it ends; its error, if
    any, is raised here."""
    import subprocess
    import sys

    prelude = "import sys, warnings; from pathlib import Path; warnings.simplefilter('ignore');"
    done = subprocess.run(
        [sys.executable, "-c", prelude + code, *map(str, argv)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise RuntimeError(f"the export failed: {lines[-1]}")


def _calibration_pairs(tokenizer_json: Path, max_length: int):
    """Encodings of (line, next line) of CALIBRATION_FILE as claim/evidence pairs."""
    lines = CALIBRATION_FILE.read_text(encoding="utf-8").splitlines()
    lines = [t for t in lines if t.strip() and not t.startswith("#")]
    tokenizer = _tokenizer(tokenizer_json, max_length)
    return tokenizer.encode_batch(
        [("query: " + a, "passage: " + b) for a, b in zip(lines, lines[1:], strict=False)]
    )


def export_fp32(
    source_dir: Path, fp32: Path, head: Path | None = None, *, eager: bool = False
) -> None:
    """The fp32 ONNX graph of the encoder in `source_dir` (last hidden states), or with
    `head`, of the pair scorer (the head's logits over mean-pooled states), written to `fp32`.
    `eager`: trace transformers' eager attention, whose graph onnxruntime's transformer
    optimizer can fuse (the SDPA path's mask arithmetic defeats its patterns). The torch model
    is freed before returning."""
    import gc

    import torch
    from transformers import AutoModel

    from synth.weights import quiet_transformers

    quiet_transformers()
    extra = {"attn_implementation": "eager"} if eager else {}
    model = AutoModel.from_pretrained(str(source_dir), dtype=torch.float32, **extra).eval()

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
    dynamic = {0: "batch", 1: "tokens"}  # any batch size and length
    with torch.no_grad():
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
    # the torch model is not needed past the export: free it before the graph is loaded
    # again (each copy of the weights is ~0.5 GB in fp32)
    del module, model
    gc.collect()


# running an export (no torch) ------------------------------------------------------------
PAD_ID = 1  # XLM-R's <pad>


@dataclass(frozen=True)
class OpenExport:
    """A loaded export: its session, its tokenizer, and the inputs every run feeds the same
    (the memory-mapped word table)."""

    session: object
    tokenizer: RuntimeTokenizer
    constants: dict[str, np.ndarray]

    def run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask, **self.constants}
        return self.session.run(None, feeds)[0]


def open_export(
    model_dir: Path,
    max_length: int,
    threads: int,
    *,
    rebuild: Callable[[], Path] | None = None,
) -> OpenExport:
    """The export, its tokenizer cutting at `max_length` (longest-first for pairs), its word
    table memory-mapped (`externalise_word_table`). An export whose files are complete but do
    not load (a bad copy, a changed onnxruntime) is marked for a rebuild; with `rebuild`
    (which builds it again and returns its folder) it is rebuilt once, here, with a line
    saying so.

    Raises:
        ModelError: the export does not load (and was not, or could not be, rebuilt).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    try:
        session = onnxruntime.InferenceSession(
            str(model_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        # an input besides the tokens is the word table: read-only and mapped, so a run
        # reads the rows of its tokens, not the whole table
        constants = {
            i.name: np.load(model_dir / WORD_TABLE_FILE, mmap_mode="r")
            for i in session.get_inputs()
            if i.name not in ("input_ids", "attention_mask")
        }
        return OpenExport(session, RuntimeTokenizer(model_dir, max_length), constants)
    except Exception as exc:
        cache.invalidate(model_dir)
        if rebuild is not None:
            log.warning(
                "the cached ONNX export in %s cannot be loaded (%s); rebuilding it once",
                model_dir,
                type(exc).__name__,
            )
            return open_export(rebuild(), max_length, threads)
        raise ModelError(
            f"the cached ONNX export in {model_dir} cannot be loaded ({type(exc).__name__})",
            hint="run the command again: synth rebuilds the export (about 20 s)",
        ) from exc


def externalise_word_table(model_path: Path) -> str:
    """Move the word-embedding table (the Gather on `input_ids`: 250k x 384, 2/3 of the
    retriever's graph and 4/5 of the verifier's) out of the graph into WORD_TABLE_FILE beside
    it, as a graph input of the same name; returns that name. Fed memory-mapped at each run
    (`open_export`), the table costs a process only the pages of the tokens it reads, and a
    session opens in a fifth of the time, with outputs bit-identical to the graph that held
    it (measured on both exports, 2026-12-07)."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(model_path))
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    (name,) = {
        n.input[0]
        for n in graph.node
        if n.op_type == "Gather" and n.input[1] == "input_ids" and n.input[0] in initializers
    }
    table = initializers[name]
    np.save(model_path.parent / WORD_TABLE_FILE, numpy_helper.to_array(table))
    graph.input.append(helper.make_tensor_value_info(name, table.data_type, list(table.dims)))
    graph.initializer.remove(table)
    onnx.save(model, str(model_path))
    return name


def _tokenizer(tokenizer_json: Path, max_length: int):
    """The tokenizers library's tokenizer of a model folder, unpadded, cutting at `max_length`
    (a pair longest-first): the reference the exports' runtime tokenizer matches, used where
    an export is made (calibration)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    tokenizer.enable_truncation(max_length, strategy="longest_first")
    tokenizer.no_padding()
    return tokenizer


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


def _is_feed_forward(node) -> bool:
    """The feed-forward's up- (.../intermediate/dense/MatMul) or down-projection."""
    return node.op_type == "MatMul" and (
        "/intermediate/dense/" in node.name or _is_down_projection(node)
    )


def _is_down_projection(node) -> bool:
    """The feed-forward's second MatMul (.../layer.N/output/dense/MatMul, not the attention's
    .../attention/output/dense/MatMul)."""
    name = node.name
    return node.op_type == "MatMul" and "/output/dense/" in name and "/attention/" not in name


def calibration_key(model_id: str, max_length: int) -> str:
    """What SmoothQuant maxima depend on: the weights, the calibration text, the length cut."""
    import hashlib

    text = hashlib.sha256(CALIBRATION_FILE.read_bytes()).hexdigest()[:12]
    return f"{model_id}|calibration {text}|max_length {max_length}"


def shipped_maxima(file: Path | None, key: str):
    """The calibrated input maxima shipped for the model `key` names, or None when the file
    is absent or was made for other weights, text or length: a list in graph order (the
    encoder's down-projections: `models/retriever/smoothquant.npz`) or a dict by input name
    (the pair scorer's: `models/verifier/smoothquant.npz`)."""
    if file is None or not file.is_file():
        return None
    with np.load(file) as data:
        if str(data["key"]) != key:
            return None
        arrays = [data[f"layer{k}"] for k in range(int(data["layers"]))]
        if "names" in data:
            return dict(zip(data["names"].tolist(), arrays, strict=True))
        return arrays


def save_maxima(file: Path, key: str, maxima: Sequence[np.ndarray] | dict) -> Path:
    """Write maxima for `shipped_maxima` (bench/ship_smoothquant.py makes the shipped files)."""
    names = sorted(maxima) if isinstance(maxima, dict) else None
    values = [maxima[n] for n in names] if names else list(maxima)
    arrays = {f"layer{k}": np.asarray(m, np.float32) for k, m in enumerate(values)}
    if names:
        arrays["names"] = np.array(names)
    np.savez_compressed(file, key=np.array(key), layers=np.array(len(values)), **arrays)
    return file


def _calibrate(path: Path, activations: list[str], tokenizer_json: Path, max_length: int):
    """Each activation's per-channel maximum over CALIBRATION_FILE, through the fp32 graph at
    `path` with those activations as extra outputs."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    lines = CALIBRATION_FILE.read_text(encoding="utf-8").splitlines()
    texts = ["passage: " + t for t in lines if t.strip() and not t.startswith("#")]
    encodings = _tokenizer(tokenizer_json, max_length).encode_batch(texts)
    maxima = [None] * len(activations)
    for batch in token_batches([len(e.ids) for e in encodings], 64, MAX_BATCH_TOKENS):
        ids, mask = padded([encodings[i] for i in batch])
        inputs = session.run(activations, {"input_ids": ids, "attention_mask": mask})
        for k, values in enumerate(inputs):
            peak = np.abs(values[mask.astype(bool)]).max(axis=0)
            maxima[k] = peak if maxima[k] is None else np.maximum(maxima[k], peak)
    return maxima


def _smooth_down_projections(
    path: Path, tokenizer_json: Path, max_length: int, maxima: list[np.ndarray] | None = None
) -> tuple[set[str], list[np.ndarray]]:
    """SmoothQuant the feed-forward down-projections of the fp32 graph at `path`, in place:
    each one's per-channel input maximum (`maxima`, shipped for the default retriever, else
    calibrated on CALIBRATION_FILE: a second session, ~10 s and the largest memory peak of
    the export), then x / s before the MatMul and the weight's rows scaled by s (see the
    module docstring). Returns the down-projections to keep in fp32 (outliers too strong to
    smooth) and the maxima used."""
    import onnx
    from onnx import helper, numpy_helper

    if maxima is None:
        model = onnx.load(str(path))
        down = [n for n in model.graph.node if _is_down_projection(n)]
        if not down:
            raise ValueError("no feed-forward down-projection found in the exported graph")
        # the calibration graph (the down-projections' inputs as outputs) is written to disk
        # and the in-memory copy freed before onnxruntime loads it: one copy of the weights
        activations = [n.input[0] for n in down]
        for name in activations:
            model.graph.output.append(
                helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
            )
        probe_path = path.with_name("calibration.onnx")
        onnx.save(model, str(probe_path))
        del model, down
        maxima = _calibrate(probe_path, activations, tokenizer_json, max_length)
        probe_path.unlink()
    model = onnx.load(str(path))
    graph = model.graph
    down = [n for n in graph.node if _is_down_projection(n)]
    if len(down) != len(maxima):
        raise ValueError(f"{len(maxima)} maxima for {len(down)} down-projections")
    weights = {init.name: init for init in graph.initializer}
    keep_fp32 = set()
    for k, node in enumerate(down):
        if maxima[k].max() > OUTLIER_LIMIT * np.median(maxima[k]):
            keep_fp32.add(node.name)
            continue
        weight = numpy_helper.to_array(weights[node.input[1]])  # (in, out)
        scale = np.maximum(maxima[k], 1e-5) ** SMOOTH_ALPHA / np.maximum(
            np.abs(weight).max(axis=1), 1e-5
        ) ** (1 - SMOOTH_ALPHA)
        weights[node.input[1]].CopyFrom(
            numpy_helper.from_array((weight * scale[:, None]).astype(np.float32), node.input[1])
        )
        inverse = numpy_helper.from_array((1 / scale).astype(np.float32), f"{node.name}/smooth")
        graph.initializer.append(inverse)
        smoothed = f"{node.input[0]}/smoothed"
        graph.node.insert(
            list(graph.node).index(node),
            helper.make_node("Mul", [node.input[0], inverse.name], [smoothed], name=inverse.name),
        )
        node.input[0] = smoothed
    onnx.save(model, str(path))
    return keep_fp32, maxima


def input_maxima(path: Path, encodings) -> dict[str, np.ndarray]:
    """Per-channel |max| of every weight MatMul's input over `encodings` (tokenizers
    encodings of calibration texts), through the fp32 graph at `path`."""
    import onnx
    import onnxruntime
    from onnx import helper

    model = onnx.load(str(path))
    constants = {init.name for init in model.graph.initializer}
    inputs = sorted(
        {n.input[0] for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in constants}
    )
    for name in inputs:
        model.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    probe = path.with_name(path.stem + ".calibration.onnx")
    onnx.save(model, str(probe))
    del model
    try:
        session = onnxruntime.InferenceSession(str(probe), providers=["CPUExecutionProvider"])
        maxima: dict[str, np.ndarray] = {}
        for batch in token_batches([len(e.ids) for e in encodings], 64, MAX_BATCH_TOKENS):
            ids, mask = padded([encodings[i] for i in batch])
            values = session.run(inputs, {"input_ids": ids, "attention_mask": mask})
            for name, value in zip(inputs, values, strict=True):
                if value.ndim == 3:  # (batch, tokens, channels): real tokens only
                    value = value[mask.astype(bool)]
                peak = np.abs(value.reshape(-1, value.shape[-1])).max(axis=0)
                maxima[name] = np.maximum(maxima.get(name, peak), peak)
    finally:
        probe.unlink(missing_ok=True)
    return maxima


def smooth_inputs(
    path: Path, maxima: dict[str, np.ndarray], alpha: float, outlier_limit: float
) -> set[str]:
    """SmoothQuant every weight MatMul input named in `maxima`, in place: one Mul by 1/s per
    input (shared by the MatMuls reading it, e.g. q/k/v) and each weight's rows scaled by s,
    s_j = max|x_j|^alpha / max_over_the_weights|W_j|^(1-alpha). An input whose peak channel
    exceeds `outlier_limit` times its median channel is left alone; returns the MatMuls
    reading such inputs (to keep in fp32)."""
    import onnx

    model = onnx.load(str(path))
    keep_fp32 = _smooth_model(model, maxima, alpha, outlier_limit)
    onnx.save(model, str(path))
    return keep_fp32


def _smooth_model(model, maxima: dict[str, np.ndarray], alpha: float, limit: float) -> set[str]:
    """`smooth_inputs` on a loaded ModelProto."""
    from onnx import helper, numpy_helper

    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    groups: dict[str, list] = {}
    for node in graph.node:
        if node.op_type == "MatMul" and node.input[1] in weights and node.input[0] in maxima:
            groups.setdefault(node.input[0], []).append(node)
    keep_fp32: set[str] = set()
    for k, (name, nodes) in enumerate(groups.items()):
        peak = maxima[name]
        if peak.max() > limit * np.median(peak):
            keep_fp32.update(n.name for n in nodes)
            continue
        arrays = [numpy_helper.to_array(weights[n.input[1]]) for n in nodes]  # (in, out)
        w_peak = np.max([np.abs(a).max(axis=1) for a in arrays], axis=0)
        scale = np.maximum(peak, 1e-5) ** alpha / np.maximum(w_peak, 1e-5) ** (1 - alpha)
        for node, array in zip(nodes, arrays, strict=True):
            weights[node.input[1]].CopyFrom(
                numpy_helper.from_array((array * scale[:, None]).astype(np.float32), node.input[1])
            )
        inverse = numpy_helper.from_array((1 / scale).astype(np.float32), f"smooth/{k}")
        graph.initializer.append(inverse)
        smoothed = f"{name}/smoothed"
        first = min(list(graph.node).index(n) for n in nodes)
        graph.node.insert(
            first, helper.make_node("Mul", [name, inverse.name], [smoothed], name=f"smooth/{k}")
        )
        for node in nodes:
            node.input[0] = smoothed
    return keep_fp32


def half_embeddings(path: Path, min_rows: int = 10_000) -> None:
    """Store the word-embedding table (a Gather from an initializer of at least `min_rows`
    rows: 250k x 384 in e5-small, most of the file) in fp16, cast back to fp32 after the
    lookup, in place. The base weights come from 4-bit ones, so little is lost."""
    import onnx

    model = onnx.load(str(path))
    _half_model(model, min_rows)
    onnx.save(model, str(path))


def _half_model(model, min_rows: int = 10_000) -> None:
    """`half_embeddings` on a loaded ModelProto."""
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph
    weights = {init.name: init for init in graph.initializer}
    for node in list(graph.node):
        table = weights.get(node.input[0]) if node.op_type == "Gather" else None
        if table is None or len(table.dims) != 2 or table.dims[0] < min_rows:
            continue
        array = numpy_helper.to_array(table).astype(np.float16)
        table.CopyFrom(numpy_helper.from_array(array, table.name))
        half = f"{node.output[0]}/fp16"
        cast = helper.make_node(
            "Cast", [half], [node.output[0]], to=onnx.TensorProto.FLOAT, name=f"{node.name}/cast"
        )
        node.output[0] = half
        graph.node.insert(list(graph.node).index(node) + 1, cast)


@contextmanager
def _quiet_root_logger():
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
