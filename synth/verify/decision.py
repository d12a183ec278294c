"""The claim decision: every candidate sentence's pair scores -> one verdict on the claim.

A pair verifier scores each candidate sentence of a source on its own. The claim's verdict
must come from all of them at once, and the old rule ("the most contradicting of ~9
candidates wins") turned any false positive among them into a × (Check-COVID claim level:
macro-F1 0.44). Here:

1. `claim_features` summarises the candidates in a fixed-length vector: the top pair
   probabilities, those of the candidate most relevant to the claim, relevance-weighted means,
   how many candidates agree, whether the best support and best contradiction are one sentence,
   the claim's word coverage, and the rule checks of `verify.guards`.
2. `DecisionModel`, a multinomial logistic regression fitted on claim-level data synth may
   train on (`bench/fit_decision.py`), turns them into one probability distribution over
   supported / contradicted / not enough info.
3. The label is precision-first: ✓ needs the most probable label to be support and the decisive
   sentence to pass the number and name guards; × needs P(contradicted) at or above a
   threshold chosen on dev for the precision of × *and* a contradicting sentence about the
   claim's subject (enough of its words), or a rule-found conflict (numbers bound to other
   things, a reversed comparison or direction) in a sentence about the same subject. Anything
   else is ?: a wrong × or ✓ costs more than an honest ?.

`MaxRule` is the old decision, kept as the baseline `synth eval claims --decision max` measures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from synth.core.types import Claim, Evidence, Label, Verdict
from synth.verify.combine import Combiner
from synth.verify.verifier import no_evidence

# Bump when the features, the gates or the quote choice change: part of every stored verdict's
# key (verify.registry), beside the hash of the fitted model's file.
DECISION_VERSION = 1
DECISION_FILE = "decision.json"

LABELS = (Label.SUPPORTED, Label.CONTRADICTED, Label.NOT_ENOUGH_INFO)
# a support vetoed by a guard keeps at most this probability
GUARDED_CEILING = 0.2
# relevance weights: softmax of the retriever cosine at this temperature
RELEVANCE_TEMPERATURE = 0.02
# a sentence "about the claim's subject": at least this share of the claim's content words
SUBJECT_COVERAGE = 0.34

CLAIM_FEATURES = (
    "s_max",
    "s_second",
    "c_max",
    "c_second",
    "n_min",
    "s_at_relevant",
    "c_at_relevant",
    "s_weighted",
    "c_weighted",
    "cosine_max",
    "coverage_max",
    "coverage_at_s",
    "coverage_at_c",
    "cosine_at_s",
    "cosine_at_c",
    "share_s",
    "share_c",
    "same_sentence",
    "veto_at_s",
    "negation_at_c",
    "conflict",
    "log_candidates",
)


@dataclass(frozen=True)
class PairScores:
    """What the pair verifier and the cheap checks say about each candidate of one claim."""

    probs: np.ndarray  # (n, 3) calibrated P(supported), P(contradicted), P(NEI) per candidate
    cosine: np.ndarray  # (n,) retriever similarity of claim and candidate
    coverage: np.ndarray  # (n,) share of the claim's content words in the candidate
    veto: tuple[str | None, ...]  # number / name guard reason against a support, per candidate
    negation: np.ndarray  # (n,) bool: exactly one side negated
    conflict: tuple[str | None, ...]  # rule-found conflict (verify.guards.conflict)

    def __len__(self) -> int:
        return len(self.cosine)

    def to_dict(self) -> dict:
        return {
            "probs": np.asarray(self.probs).round(6).tolist(),
            "cosine": np.asarray(self.cosine).round(6).tolist(),
            "coverage": np.asarray(self.coverage).round(6).tolist(),
            "veto": list(self.veto),
            "negation": np.asarray(self.negation, bool).tolist(),
            "conflict": list(self.conflict),
        }

    @classmethod
    def from_dict(cls, data: dict) -> PairScores:
        return cls(
            np.asarray(data["probs"], float).reshape(-1, 3),
            np.asarray(data["cosine"], float),
            np.asarray(data["coverage"], float),
            tuple(data["veto"]),
            np.asarray(data["negation"], bool),
            tuple(data["conflict"]),
        )


def _conflict_index(scores: PairScores) -> int | None:
    """The first candidate about the claim's subject with a rule-found conflict."""
    for i, (reason, cov) in enumerate(zip(scores.conflict, scores.coverage, strict=True)):
        if reason and cov >= SUBJECT_COVERAGE:
            return i
    return None


def claim_features(scores: PairScores) -> np.ndarray:
    """(len(CLAIM_FEATURES),) summary of one claim's candidates (see the module docstring)."""
    probs = np.asarray(scores.probs, float)
    s, c, n = probs[:, 0], probs[:, 1], probs[:, 2]
    cos, cov = np.asarray(scores.cosine, float), np.asarray(scores.coverage, float)
    top_s, top_c = np.sort(s)[::-1], np.sort(c)[::-1]
    i_s, i_c, i_rel = int(np.argmax(s)), int(np.argmax(c)), int(np.argmax(cos))
    weights = np.exp((cos - cos.max()) / RELEVANCE_TEMPERATURE)
    weights /= weights.sum()
    second = lambda top: float(top[1]) if len(top) > 1 else 0.0  # noqa: E731
    return np.array(
        [
            top_s[0],
            second(top_s),
            top_c[0],
            second(top_c),
            n.min(),
            s[i_rel],
            c[i_rel],
            weights @ s,
            weights @ c,
            cos.max(),
            cov.max(),
            cov[i_s],
            cov[i_c],
            cos[i_s],
            cos[i_c],
            float(np.mean(s > 0.5)),
            float(np.mean(c > 0.5)),
            float(i_s == i_c),
            float(scores.veto[i_s] is not None),
            float(scores.negation[i_c]),
            float(_conflict_index(scores) is not None),
            np.log(len(s)),
        ],
        dtype=np.float64,
    )


@dataclass(frozen=True)
class DecisionModel:
    """The fitted regression and the × gate chosen on dev."""

    combiner: Combiner  # a multinomial logistic regression over CLAIM_FEATURES
    contradiction_threshold: float  # P(contradicted) needed for ×
    fitted_on: str = ""  # what it was fitted and chosen on, for the model card

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return self.combiner.probabilities(np.atleast_2d(features))

    def to_dict(self) -> dict:
        return {
            "version": DECISION_VERSION,
            "regression": self.combiner.to_dict(features=CLAIM_FEATURES),
            "contradiction_threshold": self.contradiction_threshold,
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_dict(cls, data: dict) -> DecisionModel:
        return cls(
            Combiner.from_dict(data["regression"], features=CLAIM_FEATURES),
            float(data["contradiction_threshold"]),
            str(data.get("fitted_on", "")),
        )

    @classmethod
    def load(cls, path: Path) -> DecisionModel:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def decision_identity(path: Path | None) -> str:
    """What names a decision in stored verdicts' keys: its code version and fitted file."""
    if path is None:
        return f"max{DECISION_VERSION}"
    return f"decision{DECISION_VERSION}:{hashlib.sha256(path.read_bytes()).hexdigest()[:10]}"


class ClaimDecision:
    """Candidates + their pair scores -> the claim's verdict (see the module docstring)."""

    name = "learned"

    def __init__(self, model: DecisionModel) -> None:
        self.model = model

    def distribution(self, scores: PairScores) -> np.ndarray:
        """(3,) P(supported), P(contradicted), P(NEI) for the claim, before the gates."""
        return self.model.probabilities(claim_features(scores))[0]

    def decide(
        self,
        claim: Claim,
        candidates: Sequence[Evidence],
        scores: PairScores,
        *,
        method: str,
        max_quotes: int,
    ) -> Verdict:
        if not candidates:
            return _no_candidates(claim, method)
        probs = np.asarray(scores.probs, float)
        p = self.distribution(scores).copy()
        i_s = int(np.argmax(probs[:, 0]))
        i_c = int(np.argmax(probs[:, 1]))
        conflict_at = _conflict_index(scores)
        reason = None
        if conflict_at is not None:
            label, reason = Label.CONTRADICTED, scores.conflict[conflict_at]
            p = _capped_support(p)
            decisive = _first(conflict_at, probs[:, 1])
            shown = probs[:, 1]
        elif p[0] >= p[1] and p[0] >= p[2]:
            reason = scores.veto[i_s]
            if reason is None:
                label = Label.SUPPORTED
            else:
                label, p = Label.NOT_ENOUGH_INFO, _capped_support(p)
            decisive = shown = probs[:, 0]
        elif (
            p[1] >= self.model.contradiction_threshold
            and p[1] >= p[0]
            and scores.coverage[i_c] >= SUBJECT_COVERAGE
        ):
            label, decisive = Label.CONTRADICTED, probs[:, 1]
            shown = decisive
        else:
            # the closest sentences by meaning: what a reader checks to see it is not stated
            label, decisive = Label.NOT_ENOUGH_INFO, np.asarray(scores.cosine, float)
            shown = probs[:, 0]
        quotes = _quotes(list(candidates), decisive, max_quotes, shown)
        probabilities = {lab.value: float(v) for lab, v in zip(LABELS, p, strict=True)}
        return Verdict(
            claim,
            label,
            float(p[0]),
            quotes,
            method,
            reason=reason,
            probabilities=probabilities,
        )


class MaxRule:
    """The decision before issue 25: the best support wins at 0.5 unless a guard vetoes it,
    else the most contradicting sentence at 0.5. Kept as the measured baseline."""

    name = "max"

    def decide(
        self,
        claim: Claim,
        candidates: Sequence[Evidence],
        scores: PairScores,
        *,
        method: str,
        max_quotes: int,
    ) -> Verdict:
        if not candidates:
            return _no_candidates(claim, method)
        support, contra = scores.probs[:, 0], scores.probs[:, 1]
        best_support, best_contra = int(np.argmax(support)), int(np.argmax(contra))
        p_support, p_contra = float(support[best_support]), float(contra[best_contra])
        reason = None
        if p_support >= 0.5 and p_support >= p_contra:
            reason = scores.veto[best_support]
            if reason is None:
                label, decisive = Label.SUPPORTED, support
            else:
                p_support = min(p_support, GUARDED_CEILING)
                label, decisive = Label.NOT_ENOUGH_INFO, support
        elif p_contra >= 0.5:
            label, decisive = Label.CONTRADICTED, contra
        else:
            label, decisive = Label.NOT_ENOUGH_INFO, support
        quotes = _quotes(list(candidates), decisive, max_quotes)
        probabilities = {
            Label.SUPPORTED.value: p_support,
            Label.CONTRADICTED.value: p_contra,
            Label.NOT_ENOUGH_INFO.value: float(max(0.0, 1.0 - p_support - p_contra)),
        }
        return Verdict(
            claim, label, p_support, quotes, method, reason=reason, probabilities=probabilities
        )


def _no_candidates(claim: Claim, method: str) -> Verdict:
    return replace(
        no_evidence(claim, method),
        probabilities={lab.value: float(lab is Label.NOT_ENOUGH_INFO) for lab in LABELS},
    )


def _capped_support(p: np.ndarray) -> np.ndarray:
    """`p` with P(supported) at most GUARDED_CEILING, the rest moved to the other labels in
    proportion (a distribution still)."""
    if p[0] <= GUARDED_CEILING:
        return p
    rest = p[1:].sum()
    moved = p[0] - GUARDED_CEILING
    out = p.copy()
    out[0] = GUARDED_CEILING
    out[1:] = p[1:] + moved * (p[1:] / rest if rest > 0 else 0.5)
    return out


def _first(index: int, scores: np.ndarray) -> np.ndarray:
    """`scores` with candidate `index` ranked first."""
    out = np.asarray(scores, float).copy()
    out[index] = out.max() + 1.0
    return out


def _quotes(
    candidates: list[Evidence], scores: np.ndarray, n: int, shown: np.ndarray | None = None
) -> tuple[Evidence, ...]:
    """The `n` best-scored candidates, skipping any that overlaps one already taken (a window
    and the sentence inside it say the same thing twice). Each quote carries its `shown`
    score (default: `scores`): the probability of the label it stands for."""
    shown = np.asarray(scores if shown is None else shown, float)
    chosen: list[Evidence] = []
    for i in np.argsort(-np.asarray(scores), kind="stable"):
        c = candidates[i]
        if any(
            (c.paper_id, c.page_index) == (q.paper_id, q.page_index)
            and c.start < q.end
            and q.start < c.end
            for q in chosen
        ):
            continue
        chosen.append(replace(c, score=float(shown[i])))
        if len(chosen) == n:
            break
    return tuple(chosen)
