"""Text -> vectors through an int8 ONNX export of the encoder (onnxruntime + tokenizers only:
no torch is imported). Same contract as `SentenceTransformerEmbedder`: mean pooling over
tokens, L2-normalised, texts carry their own `query: ` / `passage: ` prefixes.

Its vectors differ slightly from the fp32 model's (mean cosine 0.996), so its model id is
the encoder's id plus `+onnx-int8.e<N>`: cached passage vectors never mix the two.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from synth.core.runtime import default_threads
from synth.weights.onnx import (
    MAX_BATCH_TOKENS,
    META_FILE,
    onnx_model_id,
    open_export,
    padded,
    token_batches,
)


class OnnxEmbedder:
    def __init__(
        self,
        model_dir: Path,
        model_id: str,
        batch_size: int = 32,
        threads: int = 0,
        max_tokens: int = MAX_BATCH_TOKENS,
        rebuild: Callable[[], Path] | None = None,
    ):
        meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
        self.model_dir = model_dir
        self.model_id = onnx_model_id(model_id)
        self.dim = int(meta["hidden_size"])
        self.max_length = int(meta["max_length"])
        self.batch_size, self.max_tokens = batch_size, max_tokens
        self.threads = threads or default_threads()
        self.rebuild = rebuild  # builds the export again if its files do not load

    @cached_property
    def _opened(self):
        """The export (`weights.onnx.OpenExport`), opened on first use."""
        return open_export(self.model_dir, self.max_length, self.threads, rebuild=self.rebuild)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        export = self._opened
        encodings = export.tokenizer.encode_batch(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        lengths = [len(e.ids) for e in encodings]
        for rows in token_batches(lengths, self.batch_size, self.max_tokens):
            ids, mask = padded([encodings[i] for i in rows])
            hidden = export.run(ids, mask)
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)  # (b, dim)
            pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled
        return out
