"""The ONNX exports' tokenizer at run time: sentencepiece's Unigram over the pieces and scores of
the tokenizer.json the models were trained with, behind that file's own normaliser.

Why not the tokenizers library's Unigram, which training used: for XLM-R's 250k pieces it
builds a trie that costs a process ~270 MB and ~0.6 s to load, a quarter of what answering a
new question needs; sentencepiece holds the same pieces in ~50 MB. The ids are the same
(tokenizer.json's normaliser, then the pieces' Viterbi segmentation, then `<s> A </s>` or
`<s> A </s></s> B </s>` cut longest-first as the tokenizers library cuts): on 15,528 texts of
Tatoeba (many languages), XQuAD-R (11) and the corpus' full texts, all but 3 match, those three
a tie between segmentations of equal score ("b"+"bb" or "bb"+"b" inside "bbb") broken the
other way (2026-12-07; `tests/weights/test_tokens.py` keeps a multilingual sample equal).
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import NamedTuple

SPM_FILE = "tokenizer.model"
NORMALIZER_FILE = "normalizer.json"


class Encoding(NamedTuple):
    ids: list[int]


def write_runtime_tokenizer(tokenizer_json: Path, out_dir: Path) -> None:
    """SPM_FILE and NORMALIZER_FILE in `out_dir`, from a Unigram tokenizer.json (XLM-R's)."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    if spec["model"]["type"] != "Unigram":
        raise ValueError(f"{tokenizer_json}: a {spec['model']['type']} model, not Unigram")
    special = {t["content"]: t["id"] for t in spec["added_tokens"]}
    unk = spec["model"]["unk_id"]
    kinds = pb.ModelProto.SentencePiece
    model = pb.ModelProto()
    for i, (piece, score) in enumerate(spec["model"]["vocab"]):
        entry = model.pieces.add()
        entry.piece, entry.score = piece, score
        entry.type = (
            kinds.UNKNOWN if i == unk else kinds.CONTROL if piece in special else kinds.NORMAL
        )
    trainer = model.trainer_spec
    trainer.model_type = pb.TrainerSpec.UNIGRAM
    trainer.unk_id, trainer.bos_id = unk, special["<s>"]
    trainer.eos_id, trainer.pad_id = special["</s>"], special["<pad>"]
    # tokenizer.json's normaliser runs first (NORMALIZER_FILE); sentencepiece only marks
    # spaces and prepends one, as the Metaspace pre-tokenizer does
    normalizer = model.normalizer_spec
    normalizer.name = "identity"
    normalizer.add_dummy_prefix = True
    normalizer.remove_extra_whitespaces = False
    normalizer.escape_whitespaces = True
    (out_dir / SPM_FILE).write_bytes(model.SerializeToString())
    (out_dir / NORMALIZER_FILE).write_text(
        json.dumps(
            {"normalizer": spec["normalizer"], "bos": special["<s>"], "eos": special["</s>"]}
        ),
        encoding="utf-8",
    )


class RuntimeTokenizer:
    """Texts, or (claim, evidence) pairs, to ids cut at `max_length` (a pair longest-first)."""

    def __init__(self, folder: Path, max_length: int) -> None:
        self._spm, self._normalizer, self.bos, self.eos = _loaded(folder)
        self.max_length = max_length

    def encode_batch(self, inputs: list) -> list[Encoding]:
        pairs = bool(inputs) and isinstance(inputs[0], tuple)
        texts = [t for item in inputs for t in item] if pairs else list(inputs)
        pieces = self._spm.encode([self._normalizer.normalize_str(t) for t in texts])
        bos, eos = self.bos, self.eos
        if not pairs:
            keep = self.max_length - 2
            return [Encoding([bos, *ids[:keep], eos]) for ids in pieces]
        out = []
        for a, b in zip(pieces[0::2], pieces[1::2], strict=True):
            n1, n2 = cut_longest_first(len(a), len(b), self.max_length - 4)
            out.append(Encoding([bos, *a[:n1], eos, eos, *b[:n2], eos]))
        return out


def cut_longest_first(n1: int, n2: int, budget: int) -> tuple[int, int]:
    """How many tokens of each side a pair keeps, as the tokenizers library's LongestFirst cuts
    (`utils/truncation.rs`): the longer side alone where that suffices, else both to half."""
    if n1 + n2 <= budget:
        return n1, n2
    swap = n1 > n2
    if swap:
        n1, n2 = n2, n1
    n2 = n1 if n1 > budget else max(n1, budget - n1)
    if n1 + n2 > budget:
        n1 = budget // 2
        n2 = n1 + budget % 2
    return (n2, n1) if swap else (n1, n2)


_LOADED: dict[str, tuple] = {}
_LOCK = threading.Lock()


def _loaded(folder: Path) -> tuple:
    """(sentencepiece processor, normaliser, bos id, eos id), loaded once per process per
    distinct model: the retriever's and the verifier's exports share one."""
    import sentencepiece
    from tokenizers import Tokenizer

    raw = (folder / SPM_FILE).read_bytes()
    meta_text = (folder / NORMALIZER_FILE).read_text(encoding="utf-8")
    key = hashlib.sha256(raw + meta_text.encode()).hexdigest()
    with _LOCK:
        if key not in _LOADED:
            meta = json.loads(meta_text)
            processor = sentencepiece.SentencePieceProcessor(model_proto=raw)
            # a tokenizer with one piece carries the normaliser (building it from its JSON
            # is the one way the tokenizers library offers)
            holder = Tokenizer.from_str(
                json.dumps(
                    {
                        "version": "1.0",
                        "truncation": None,
                        "padding": None,
                        "added_tokens": [],
                        "normalizer": meta["normalizer"],
                        "pre_tokenizer": None,
                        "post_processor": None,
                        "decoder": None,
                        "model": {"type": "WordLevel", "vocab": {"<unk>": 0}, "unk_token": "<unk>"},
                    }
                )
            )
            _LOADED[key] = (processor, holder.normalizer, meta["bos"], meta["eos"])
        return _LOADED[key]
