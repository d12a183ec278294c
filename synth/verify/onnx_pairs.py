"""Claim/evidence pairs -> the verifier's three logits through its int8 ONNX export
(onnxruntime + tokenizers only: no torch is imported). Same contract as
`verify.nli.pair_logits`: `<s> query: CLAIM </s></s> passage: EVIDENCE </s>`, cut to
`max_length` tokens longest-first, mean pooling, the linear head.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from synth.core.runtime import default_threads
from synth.weights.onnx import MODEL_FILE

PAD_ID = 1  # XLM-R's <pad>


class OnnxPairScorer:
    def __init__(self, model_dir: Path, max_length: int, batch_size: int = 16, threads: int = 0):
        self.model_dir = model_dir
        self.max_length = max_length
        self.batch_size = batch_size
        self.threads = threads or default_threads()
        self._session = self._tokenizer = None

    def _load(self):
        if self._session is None:
            import onnxruntime
            from tokenizers import Tokenizer

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads
            self._session = onnxruntime.InferenceSession(
                str(self.model_dir / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
            tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            tokenizer.enable_truncation(self.max_length, strategy="longest_first")
            tokenizer.no_padding()
            self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def logits(self, claims: Sequence[str], evidences: Sequence[str]) -> np.ndarray:
        """(n, 3) logits in `verify.nli.LABELS` order."""
        if not claims:
            return np.zeros((0, 3), dtype=np.float32)
        session, tokenizer = self._load()
        order = sorted(range(len(claims)), key=lambda i: len(claims[i]) + len(evidences[i]))
        out = np.zeros((len(claims), 3), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            encodings = tokenizer.encode_batch(
                [("query: " + claims[i], "passage: " + evidences[i]) for i in rows]
            )
            width = max(len(e.ids) for e in encodings)
            ids = np.full((len(rows), width), PAD_ID, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, encoding in enumerate(encodings):
                ids[r, : len(encoding.ids)] = encoding.ids
                mask[r, : len(encoding.ids)] = 1
            out[rows] = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out
