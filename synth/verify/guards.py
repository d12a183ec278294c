"""Cheap, deterministic checks that a claim's numbers and names appear in its evidence.

Whatever model decides a verdict, these guards stay: a claim that says 3e-4 is not supported
by a sentence that says 3e-5, however similar the two read. Each guard returns a
machine-readable reason (`number_mismatch: claim 3e-4, source 3e-5`) or None.

Surface forms must not fool them: `3e-5`, `3 × 10^-5`, `3·10⁻⁵` and `0.00003` are one number;
`30%` and `30 %` too; `1,000` is a thousand; `mAP`/`MAP` and `XQuAD-R`/`XQuAD R` are one name.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

# Bump when a guard's decisions change: stored verdicts are keyed by it (verify.registry).
GUARDS_VERSION = 1

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
# 3 × 10^-5, 3x10^-5, 3·10⁻⁵, 3*10**-5 (after superscripts are folded)
_SCI_TIMES = re.compile(r"(\d+(?:\.\d+)?)\s*[×x·*]\s*10\s*(?:\^|\*\*)?\s*\{?([-+−–]?\d+)\}?")
_NUMBER = re.compile(
    r"(?<![\w.])(?<!\w-)[-−–]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+−–]?\d+)?(?:\s?%)?(?![\w])"
    r"|(?<![\w.])\.\d+(?![\w])"
)
_YEAR = re.compile(r"^(19|20)\d{2}$")
_NEGATIONS = {
    "not",
    "no",
    "never",
    "without",
    "cannot",
    "neither",
    "nor",
    "none",
    "fails",
    "fail",
    "failed",
    "unable",
    "lack",
    "lacks",
    "n't",
    "nicht",
    "kein",
    "keine",
    "keinen",
    "nie",
    "ohne",  # de
    "pas",
    "jamais",
    "sans",
    "aucun",
    "aucune",  # fr
    "nunca",
    "sin",
    "ningún",
    "ninguna",  # es (no is shared with en)
    "не",
    "нет",
    "никогда",
    "без",  # ru
    "değil",
    "yok",
    "hiç",  # tr
    "không",
    "chưa",  # vi
    "δεν",
    "μην",
    "χωρίς",  # el
    "नहीं",
    "न",
    "बिना",  # hi
    "لا",
    "ليس",
    "لم",
    "لن",
    "بدون",  # ar
}
_CJK_THAI_NEGATIONS = ("不", "没有", "沒有", "未", "无", "無", "ไม่")
# a token with a second capital or a digit, hyphen-joined parts included: XQuAD-R, mE5, LaBSE
_NAME = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*\b")


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    percent: bool
    text: str


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_SUPERSCRIPTS)
    return text.replace("−", "-").replace("–", "-")


def numbers(text: str) -> list[Quantity]:
    """Every number in `text` with its value; scientific notation in any common spelling."""
    folded = _fold(text)
    found: list[Quantity] = []
    for match in _SCI_TIMES.finditer(folded):
        value = float(match.group(1)) * 10 ** int(match.group(2).replace("−", "-"))
        found.append(Quantity(value, False, match.group()))
    folded = _SCI_TIMES.sub(" ", folded)
    for match in _NUMBER.finditer(folded):
        raw = match.group().strip()
        percent = raw.endswith("%")
        digits = raw.rstrip("%").strip().replace(",", "")
        try:
            found.append(Quantity(float(digits), percent, raw))
        except ValueError:
            continue
    return found


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)


def number_mismatch(claim: str, evidence: str) -> str | None:
    """A claim number that the evidence does not state, when the evidence states numbers.

    Years and single-digit list counters in the claim are not required; a percentage may be
    written as a fraction in the source (30% == 0.3).
    """
    wanted = [q for q in numbers(claim) if not _YEAR.match(q.text)]
    have = numbers(evidence)
    if not wanted or not have:
        return None
    missing = []
    for q in wanted:
        candidates = {h.value for h in have} | {h.value / 100 for h in have if h.percent}
        if q.percent:
            candidates |= {h.value * 100 for h in have if not h.percent}
        if not any(_same(q.value, c) for c in candidates):
            missing.append(q.text)
    if not missing:
        return None
    source = ", ".join(h.text for h in have[:3])
    return f"number_mismatch: claim {', '.join(missing)}, source {source}"


def _name_key(name: str) -> str:
    return re.sub(r"[\W_]+", "", name).lower()


def names(text: str) -> set[str]:
    """Dataset/model-like names: tokens with inner capitals or digits (XQuAD-R, mE5, LaBSE)."""
    out = set()
    for match in _NAME.finditer(_fold(text)):
        token = match.group()
        letters = token.replace("-", "").replace("_", "")
        if len(letters) >= 2 and (
            any(c.isdigit() for c in letters) or sum(c.isupper() for c in letters[1:]) >= 1
        ):
            out.add(token)
    return out


def name_mismatch(claim: str, evidence: str) -> str | None:
    """A name in the claim that the evidence never mentions, in any spelling of it."""
    key_text = _name_key(_fold(evidence))
    missing = sorted(n for n in names(claim) if _name_key(n) not in key_text)
    if not missing:
        return None
    return f"name_missing: claim {', '.join(missing)}"


def is_negated(text: str) -> bool:
    folded = _fold(text).lower().replace("n't", " n't")
    # split on white space, not \w: Devanagari vowel signs are not word characters
    words = {w.strip(".,;:!?\"'()[]{}«»“”।॥،؟") for w in folded.split()}
    return bool(words & _NEGATIONS) or any(neg in folded for neg in _CJK_THAI_NEGATIONS)


def negation_mismatch(claim: str, evidence: str) -> str | None:
    """One side negated and the other not: a sign of contradiction, not proof."""
    claim_neg, evidence_neg = is_negated(claim), is_negated(evidence)
    if claim_neg == evidence_neg:
        return None
    return (
        f"negation_mismatch: claim {'negated' if claim_neg else 'affirmed'}, source "
        f"{'negated' if evidence_neg else 'affirmed'}"
    )
