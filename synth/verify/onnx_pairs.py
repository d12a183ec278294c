"""Claim/evidence pairs -> the verifier's three logits through its int8 ONNX export
(onnxruntime + tokenizers only: no torch is imported). Same contract as
`verify.nli.pair_logits`: `<s> query: CLAIM </s></s> passage: EVIDENCE </s>`, cut to
`max_length` tokens longest-first, mean pooling, the linear head.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from synth.core.runtime import default_threads
from synth.weights.onnx import MAX_BATCH_TOKENS, open_export, padded, token_batches


class OnnxPairScorer:
    def __init__(
        self,
        model_dir: Path,
        max_length: int,
        batch_size: int = 16,
        threads: int = 0,
        max_tokens: int = MAX_BATCH_TOKENS,
        rebuild: Callable[[], Path] | None = None,
    ):
        self.model_dir = model_dir
        self.max_length = max_length
        self.batch_size, self.max_tokens = batch_size, max_tokens
        self.threads = threads or default_threads()
        self.rebuild = rebuild  # builds the export again if its files do not load

    @cached_property
    def _opened(self):
        """The export (`weights.onnx.OpenExport`), opened on first use."""
        return open_export(self.model_dir, self.max_length, self.threads, rebuild=self.rebuild)

    def logits(self, claims: Sequence[str], evidences: Sequence[str]) -> np.ndarray:
        """(n, 3) logits in `verify.nli.LABELS` order."""
        if not claims:
            return np.zeros((0, 3), dtype=np.float32)
        export = self._opened
        encodings = export.tokenizer.encode_batch(
            [("query: " + c, "passage: " + e) for c, e in zip(claims, evidences, strict=True)]
        )
        out = np.zeros((len(claims), 3), dtype=np.float32)
        lengths = [len(e.ids) for e in encodings]
        for rows in token_batches(lengths, self.batch_size, self.max_tokens):
            ids, mask = padded([encodings[i] for i in rows])
            out[rows] = export.run(ids, mask)
        return out
