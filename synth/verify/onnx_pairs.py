"""Claim/evidence pairs -> the verifier's three logits through its int8 ONNX export
(onnxruntime + tokenizers only: no torch is imported). Same contract as
`verify.nli.pair_logits`: `<s> query: CLAIM </s></s> passage: EVIDENCE </s>`, cut to
`max_length` tokens longest-first, mean pooling, the linear head.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from synth.core.runtime import default_threads
from synth.weights.onnx import open_export, padded


class OnnxPairScorer:
    def __init__(self, model_dir: Path, max_length: int, batch_size: int = 16, threads: int = 0):
        self.model_dir = model_dir
        self.max_length = max_length
        self.batch_size = batch_size
        self.threads = threads or default_threads()

    @cached_property
    def _opened(self):
        """(session, tokenizer), opened on first use."""
        return open_export(self.model_dir, self.max_length, self.threads, pairs=True)

    def logits(self, claims: Sequence[str], evidences: Sequence[str]) -> np.ndarray:
        """(n, 3) logits in `verify.nli.LABELS` order."""
        if not claims:
            return np.zeros((0, 3), dtype=np.float32)
        session, tokenizer = self._opened
        order = sorted(range(len(claims)), key=lambda i: len(claims[i]) + len(evidences[i]))
        out = np.zeros((len(claims), 3), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            ids, mask = padded(
                tokenizer.encode_batch(
                    [("query: " + claims[i], "passage: " + evidences[i]) for i in rows]
                )
            )
            out[rows] = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out
