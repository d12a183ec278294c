"""Labelled claim/evidence pairs for measuring a verifier (`synth eval verifier`), and the
metrics over its verdicts. Readers are at a trust boundary: a row that cannot be used is
counted and skipped, never guessed.

Layouts read (a file, or every such file in a directory):
- JSONL: `claim`, `evidence`, `label`, optional `lang`, `split` (aliases: hypothesis/premise,
  sentence2/sentence1).
- TSV/CSV with a header naming those columns (Check-COVID's `pairs_flat.tsv`, SciFact RTE's
  `index, sentence1 (evidence), sentence2 (claim), entailment`).
- TSV without a header: premise, hypothesis, label (XNLI's `dev-xx.tsv` / `test-xx.tsv`).
Labels: supported / contradicted / not_enough_info; entailment / contradiction / neutral;
SUPPORT / REFUTE / NOTENOUGHINFO; and `not_entailment` (binary sets such as SciFact RTE: only
supported vs not is measured). A file name ending in `-xx` or `_xx` gives the language when
rows carry none.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synth.core.errors import NotFoundError, ParseError
from synth.core.inputs import cut, parse_json, read_text
from synth.core.types import Label
from synth.verify.calibration import (
    accuracy,
    balanced_accuracy,
    binary_ece,
    bootstrap_ci,
    macro_f1,
)

NOT_SUPPORTED = "not_supported"  # the gold label of binary sets' negatives
LABELS = {
    "supported": Label.SUPPORTED,
    "support": Label.SUPPORTED,
    "supports": Label.SUPPORTED,
    "entailment": Label.SUPPORTED,
    "contradicted": Label.CONTRADICTED,
    "contradiction": Label.CONTRADICTED,
    "refute": Label.CONTRADICTED,
    "refutes": Label.CONTRADICTED,
    "not_enough_info": Label.NOT_ENOUGH_INFO,
    "neutral": Label.NOT_ENOUGH_INFO,
    "notenoughinfo": Label.NOT_ENOUGH_INFO,
    "nei": Label.NOT_ENOUGH_INFO,
    "not enough info": Label.NOT_ENOUGH_INFO,
    "not_entailment": NOT_SUPPORTED,
}
_CLAIM = ("claim", "hypothesis", "sentence2")
_EVIDENCE = ("evidence", "premise", "sentence1")
_LABEL = ("label", "entailment", "gold_label")
_LANG_IN_NAME = re.compile(r"[-_]([a-z]{2,3})$")
SUFFIXES = (".jsonl", ".tsv", ".csv")


@dataclass(frozen=True, slots=True)
class LabelledPair:
    claim: str
    evidence: str
    label: Label | str  # a Label, or NOT_SUPPORTED in binary sets
    lang: str = ""
    source: str = ""  # file name


@dataclass
class ReadReport:
    pairs: list[LabelledPair] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # why -> rows


def read_pairs(path: Path, *, split: str | None = None, limit: int | None = None) -> ReadReport:
    """Pairs from a file or a directory of files (see the module docstring).

    `split` keeps rows whose `split` column starts with it; `limit` keeps the first N pairs of
    each file.

    Raises:
        NotFoundError: the path does not exist or holds no pair file.
        ParseError: a file is not in any of the layouts.
    """
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
    elif path.is_file():
        files = [path]
    else:
        raise NotFoundError(f"{path} does not exist", hint="pass a JSONL/TSV file or a directory")
    if not files:
        raise NotFoundError(
            f"{path} holds no .jsonl, .tsv or .csv file",
            hint="see `synth eval verifier --help` for the layouts read",
        )
    out = ReadReport()
    for file in files:
        rows = _rows(file)
        lang = _LANG_IN_NAME.search(file.stem)
        kept = 0
        for row in rows:
            if split and not str(row.get("split", "")).startswith(split):
                continue
            pair, why = _pair(row, lang.group(1) if lang else "", file.name)
            if pair is None:
                out.skipped[why] += 1
                continue
            out.pairs.append(pair)
            kept += 1
            if limit and kept >= limit:
                break
    return out


def _rows(file: Path) -> list[dict]:
    hint = "see `synth eval verifier --help` for the layouts read"
    text = read_text(file, what="file of labelled pairs", hint=hint)
    if file.suffix.lower() == ".jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                row = parse_json(line, file, line=number, hint=hint)
                rows.append(row if isinstance(row, dict) else {})
        return rows
    delimiter = "," if file.suffix.lower() == ".csv" else "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=csv.QUOTE_NONE)
    try:
        table = [r for r in reader if r]
    except csv.Error as exc:  # a field past csv's limit (128 KB): no pair is that long
        raise ParseError(f"{file}, line {reader.line_num}: {exc}", hint=hint) from None
    if not table:
        return []
    header = [h.strip().lower() for h in table[0]]
    if any(h in header for h in _CLAIM) and any(h in header for h in _EVIDENCE):
        return [dict(zip(header, r, strict=False)) for r in table[1:]]
    if all(len(r) >= 3 for r in table[:5]):  # XNLI: premise, hypothesis, label
        return [{"premise": r[0], "hypothesis": r[1], "label": r[-1]} for r in table]
    raise ParseError(
        f"{file}: no claim/evidence columns and not premise<TAB>hypothesis<TAB>label",
        hint="see `synth eval verifier --help` for the layouts read",
    )


def _field(row: dict, names: Sequence[str]) -> str:
    for name in names:
        value = row.get(name)
        if isinstance(value, str) and value.strip():
            return " ".join(cut(value).split())
    return ""


def _pair(row: dict, lang: str, source: str) -> tuple[LabelledPair | None, str]:
    claim, evidence = _field(row, _CLAIM), _field(row, _EVIDENCE)
    label = LABELS.get(_field(row, _LABEL).lower())
    if not claim or not evidence:
        return None, "no claim or evidence"
    if label is None:
        return None, "unknown label"
    return LabelledPair(claim, evidence, label, str(row.get("lang") or lang), source), ""


# metrics -----------------------------------------------------------------------------------
def verdict_metrics(
    gold: Sequence[Label | str],
    predicted: Sequence[Label],
    p_supported: Sequence[float],
    *,
    bootstrap: int = 0,
) -> dict:
    """Accuracy, balanced accuracy, macro-F1, per-label recall and ECE of P(supported).

    Three-way when every gold label is a Label; binary (supported vs not) as soon as one is
    NOT_SUPPORTED. `bootstrap` > 0 adds 95% percentile intervals (for small sets).
    """
    binary = any(g == NOT_SUPPORTED for g in gold)
    if binary:
        names = [Label.SUPPORTED.value, NOT_SUPPORTED]
        gold_v = np.array([g == Label.SUPPORTED for g in gold], dtype=int)
        pred_v = np.array([p is Label.SUPPORTED for p in predicted], dtype=int)
        classes = [1, 0]
    else:
        names = [label.value for label in Label]
        index = {label: i for i, label in enumerate(Label)}
        gold_v = np.array([index[g] for g in gold])
        pred_v = np.array([index[p] for p in predicted])
        classes = list(range(len(Label)))
    probs = np.asarray(p_supported, float)
    is_supported = np.array([g == Label.SUPPORTED for g in gold], dtype=float)
    out = {
        "pairs": len(gold_v),
        "binary": binary,
        "accuracy": accuracy(pred_v, gold_v),
        "balanced_accuracy": balanced_accuracy(pred_v, gold_v),
        "macro_f1": macro_f1(pred_v, gold_v, classes),
        "ece": binary_ece(probs, is_supported),
        "per_label_recall": {
            name: float(np.mean(pred_v[gold_v == c] == c)) if np.any(gold_v == c) else None
            for name, c in zip(names, classes, strict=True)
        },
        "gold_counts": {
            name: int(np.sum(gold_v == c)) for name, c in zip(names, classes, strict=True)
        },
    }
    if bootstrap:
        out["intervals_95"] = {
            "macro_f1": bootstrap_ci(
                lambda p, g: macro_f1(p, g, classes), pred_v, gold_v, n_resamples=bootstrap
            )[1:],
            "balanced_accuracy": bootstrap_ci(
                balanced_accuracy, pred_v, gold_v, n_resamples=bootstrap
            )[1:],
            "ece": bootstrap_ci(binary_ece, probs, is_supported, n_resamples=bootstrap)[1:],
        }
    return out
