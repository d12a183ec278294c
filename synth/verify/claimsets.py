"""Labelled claims with their whole sources, for measuring claim-level verification
(`synth eval claims`), and the claim-level metrics. Readers are at a trust boundary: a row
that cannot be used is counted and skipped, never guessed.

Layouts read (a directory):
- SciFact / MultiVerS: `claims*.jsonl` (`id`, `claim`, `cited_doc_ids`, `evidence`:
  {doc id: [{sentences, label SUPPORT|CONTRADICT|REFUTE}]}; no evidence = not enough info) and
  `corpus.jsonl` (`doc_id`, `title`, `abstract` as a list of sentences). A claim's sources are
  its cited documents found in the corpus.
- Check-COVID: `corpus.json` (JSONL: `cord_id`, `title`, `abstract` as a list of sentences)
  and `covidCheck_<split>_*.json` (JSONL: `id`, `claim`, `cord_id`, `label`
  SUPPORT|REFUTE|NOTENOUGHINFO).
`split` picks the claim files whose name contains it (`dev` -> claims_dev.jsonl).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synth.core.errors import NotFoundError, ParseError
from synth.core.types import Label
from synth.verify.calibration import binary_ece, bootstrap_ci, macro_f1

GOLD = {
    "support": Label.SUPPORTED,
    "supports": Label.SUPPORTED,
    "supported": Label.SUPPORTED,
    "contradict": Label.CONTRADICTED,
    "contradicted": Label.CONTRADICTED,
    "refute": Label.CONTRADICTED,
    "refutes": Label.CONTRADICTED,
    "notenoughinfo": Label.NOT_ENOUGH_INFO,
    "not_enough_info": Label.NOT_ENOUGH_INFO,
    "nei": Label.NOT_ENOUGH_INFO,
}
MAX_LINE = 1 << 20  # a claim or corpus line over 1 MB is not a claim or an abstract


@dataclass(frozen=True, slots=True)
class SourceDoc:
    id: str
    title: str
    sentences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LabelledClaim:
    id: str
    claim: str
    label: Label
    docs: tuple[SourceDoc, ...]


@dataclass
class ClaimSet:
    claims: list[LabelledClaim] = field(default_factory=list)
    layout: str = ""
    files: list[str] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # why -> claims


def _jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            if len(line) > MAX_LINE:
                raise ParseError(f"{path}: line {number} is over {MAX_LINE:,} characters")
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                raise ParseError(
                    f"{path}: line {number} is not a JSON object",
                    hint="one JSON object per line (JSONL)",
                ) from exc
            if not isinstance(row, dict):
                raise ParseError(f"{path}: line {number} is not a JSON object")
            rows.append(row)
    return rows


def _doc(doc_id, title, abstract) -> SourceDoc | None:
    if isinstance(abstract, str):
        abstract = [abstract]
    if not isinstance(abstract, list):
        return None
    sentences = tuple(" ".join(str(s).split()) for s in abstract if str(s).strip())
    return SourceDoc(str(doc_id), str(title or ""), sentences) if sentences else None


def read_claim_set(
    directory: Path, split: str | None = None, *, limit: int | None = None
) -> ClaimSet:
    """The labelled claims of one split in `directory` (see the module docstring).

    Raises:
        NotFoundError: `directory` is not one of the layouts.
        ParseError: a file of it is malformed.
    """
    if not directory.is_dir():
        raise NotFoundError(
            f"{directory} is not a directory",
            hint="pass a SciFact/MultiVerS directory (claims*.jsonl + corpus.jsonl) or "
            "Check-COVID's (covidCheck_*.json + corpus.json)",
        )
    if (directory / "corpus.jsonl").is_file():
        out = _read_scifact(directory, split)
    elif (directory / "corpus.json").is_file():
        out = _read_check_covid(directory, split)
    else:
        raise NotFoundError(
            f"{directory} has neither corpus.jsonl (SciFact/MultiVerS) nor corpus.json "
            "(Check-COVID)",
            hint="see `synth eval claims --help` for the layouts read",
        )
    if limit:
        out.claims = out.claims[:limit]
    return out


def _claim_files(directory: Path, pattern: str, split: str | None) -> list[Path]:
    files = sorted(p for p in directory.glob(pattern) if not split or split in p.name)
    if not files:
        raise NotFoundError(
            f"{directory} has no claim file{f' for split {split!r}' if split else ''} ({pattern})",
            hint="pass --split with a word of the claim file's name (train, dev, test)",
        )
    return files


def _read_scifact(directory: Path, split: str | None) -> ClaimSet:
    corpus = {}
    for row in _jsonl(directory / "corpus.jsonl"):
        doc = _doc(row.get("doc_id"), row.get("title"), row.get("abstract"))
        if doc is not None:
            corpus[doc.id] = doc
    out = ClaimSet(layout="scifact")
    for path in _claim_files(directory, "claims*.jsonl", split):
        out.files.append(path.name)
        for row in _jsonl(path):
            text = " ".join(str(row.get("claim") or "").split())
            cited = [str(d) for d in row.get("cited_doc_ids") or []]
            docs = tuple(corpus[d] for d in cited if d in corpus)
            evidence = row.get("evidence") or {}
            if not isinstance(evidence, dict):
                out.skipped["evidence is not an object"] += 1
                continue
            labels = [
                GOLD.get(str(e.get("label", "")).lower())
                for entries in evidence.values()
                for e in (entries if isinstance(entries, list) else [])
                if isinstance(e, dict)
            ]
            label = labels[0] if labels else Label.NOT_ENOUGH_INFO
            if not text:
                out.skipped["no claim text"] += 1
            elif not docs:
                out.skipped["no cited document in the corpus"] += 1
            elif label is None:
                out.skipped["unknown label"] += 1
            else:
                out.claims.append(LabelledClaim(str(row.get("id", "")), text, label, docs))
    return out


def _read_check_covid(directory: Path, split: str | None) -> ClaimSet:
    corpus = {}
    for row in _jsonl(directory / "corpus.json"):
        doc = _doc(row.get("cord_id"), row.get("title"), row.get("abstract"))
        if doc is not None:
            corpus[doc.id] = doc
    out = ClaimSet(layout="check-covid")
    for path in _claim_files(directory, "covidCheck_*.json", split):
        out.files.append(path.name)
        for row in _jsonl(path):
            text = " ".join(str(row.get("claim") or "").split())
            doc = corpus.get(str(row.get("cord_id")))
            label = GOLD.get(str(row.get("label", "")).lower())
            if not text:
                out.skipped["no claim text"] += 1
            elif doc is None:
                out.skipped["cited abstract not in corpus.json"] += 1
            elif label is None:
                out.skipped["unknown label"] += 1
            else:
                out.claims.append(LabelledClaim(str(row.get("id", "")), text, label, (doc,)))
    return out


# metrics -----------------------------------------------------------------------------------
def claim_metrics(
    gold: Sequence[Label],
    predicted: Sequence[Label],
    p_supported: Sequence[float],
    *,
    bootstrap: int = 0,
    seed: int = 0,
) -> dict:
    """Macro-F1, accuracy, per-label precision and recall, the × rate on gold-supported claims
    and the precision of ×, ECE of P(supported); `bootstrap` > 0 adds 95% intervals."""
    labels = list(Label)
    index = {label: i for i, label in enumerate(labels)}
    g = np.array([index[x] for x in gold], dtype=int)
    p = np.array([index[x] for x in predicted], dtype=int)
    probs = np.asarray(p_supported, float)
    supported = (g == 0).astype(float)
    contra = index[Label.CONTRADICTED]

    def x_on_supported(pred, gold_):
        mask = gold_ == 0
        return float(np.mean(pred[mask] == contra)) if mask.any() else float("nan")

    def precision(pred, gold_, c):
        mask = pred == c
        return float(np.mean(gold_[mask] == c)) if mask.any() else None

    def recall(pred, gold_, c):
        mask = gold_ == c
        return float(np.mean(pred[mask] == c)) if mask.any() else None

    out = {
        "claims": int(len(g)),
        "macro_f1": macro_f1(p, g, list(range(len(labels)))),
        "accuracy": float(np.mean(p == g)) if len(g) else float("nan"),
        "ece": binary_ece(probs, supported),
        "x_on_supported": x_on_supported(p, g),
        "x_precision": precision(p, g, contra),
        "precision": {lab.value: precision(p, g, i) for lab, i in index.items()},
        "recall": {lab.value: recall(p, g, i) for lab, i in index.items()},
        "gold_counts": {lab.value: int(np.sum(g == i)) for lab, i in index.items()},
        "predicted_counts": {lab.value: int(np.sum(p == i)) for lab, i in index.items()},
    }
    if bootstrap and len(g):
        n_classes = list(range(len(labels)))
        out["intervals_95"] = {
            "macro_f1": list(
                bootstrap_ci(
                    lambda a, b: macro_f1(a, b, n_classes), p, g, n_resamples=bootstrap, seed=seed
                )[1:]
            ),
            "ece": list(
                bootstrap_ci(binary_ece, probs, supported, n_resamples=bootstrap, seed=seed)[1:]
            ),
            "x_on_supported": list(
                bootstrap_ci(x_on_supported, p, g, n_resamples=bootstrap, seed=seed)[1:]
            ),
        }
    return out
