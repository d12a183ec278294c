"""Cheap, deterministic checks that a claim's numbers and names appear in its evidence.

Whatever model decides a verdict, these guards stay: a claim that says 3e-4 is not supported
by a sentence that says 3e-5, however similar the two read. Each guard returns a
machine-readable reason (`number_mismatch: claim 3e-4, source 3e-5`) or None.

Besides whether numbers and names appear, `conflict` asks whether they are bound to the same
things: "A covers 7 languages and B covers 11" against "A covers 11 languages and B 7" is a
conflict, as are "A outperforms B" against "B outperforms A" and "X increases Y" against "X
reduces Y". A conflict is a reason for ×, found by rule, never a probability.

Surface forms must not fool them: `3e-5`, `3 × 10^-5`, `3·10⁻⁵` and `0.00003` are one number;
`30%` and `30 %` too; `1,000` is a thousand; `mAP`/`MAP` and `XQuAD-R`/`XQuAD R` are one name.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

# Bump when a guard's decisions change: stored verdicts are keyed by it (verify.registry).
GUARDS_VERSION = 3

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

    def mentioned(name: str) -> bool:
        key = _name_key(name)  # a plural in the claim, the singular in the source: the same
        return key in key_text or (key.endswith("s") and key[:-1] in key_text)

    missing = sorted(n for n in names(claim) if not mentioned(n))
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


# bindings: what a number counts, who beats whom, which way an effect goes -----------------
# clause boundaries: a number belongs to the names of its own clause
_CLAUSE = re.compile(r"\s*(?:[;,]|\band\b|\bwhile\b|\bwhereas\b|\bbut\b|\bwith\b)\s*", re.I)
_COMPARE = re.compile(
    r"(?P<a>[\w.+-]+(?:\s+[\w.+-]+)?)\s+(?:consistently\s+|significantly\s+|clearly\s+)?"
    r"(?:outperforms?|outperformed|beats?|surpass(?:es|ed)?|exceeds?|exceeded|"
    r"(?:is|are|was|were)\s+(?:better|stronger|more accurate)\s+than)\s+"
    r"(?P<b>[\w.+-]+(?:\s+[\w.+-]+)?)",
    re.I,
)
_UP = frozenset(
    "increase increases increased increasing improve improves improved improving raise raises "
    "raised higher more boost boosts boosted enhance enhances enhanced gain gains grow grows "
    "larger greater elevated elevate elevates".split()
)
_DOWN = frozenset(
    "decrease decreases decreased decreasing reduce reduces reduced reducing lower lowers "
    "lowered less fewer decline declines declined drop drops dropped diminish diminishes "
    "diminished smaller worsen worsens worsened degrade degrades degraded hurt hurts mitigate "
    "mitigates mitigated mitigating alleviate alleviates alleviated".split()
)
# subject overlap (content words, direction words aside) above which a reversed direction is
# a conflict rather than a statement about something else
DIRECTION_OVERLAP = 0.6


_UNIT_STOP = frozenset(
    "and or to of on in at for with by from than the a an as per each is are was were thus "
    "respectively".split()
)


def _ordered_names(text: str) -> list[str]:
    seen: list[str] = []
    for match in _NAME.finditer(text):
        if match.group() in names(match.group()) and match.group() not in seen:
            seen.append(match.group())
    return seen


def _counted(text: str) -> list[tuple[float, str, int]]:
    """(value, unit, offset) for each number followed by what it counts: the last word of the
    noun phrase after it ("11 parallel languages" -> langu), the next number's unit for a
    list ("11 and 7 languages")."""
    found = []
    for match in _NUMBER.finditer(text):
        raw = match.group().strip()
        if _YEAR.match(raw):
            continue
        try:
            value = float(raw.rstrip("%").strip().replace(",", ""))
        except ValueError:
            continue
        unit = ""
        after = text[match.end() : match.end() + 60]
        for word in re.findall(r"[A-Za-z][A-Za-z-]*|[^\sA-Za-z]", after):
            if not word[0].isalpha() or word.lower() in _UNIT_STOP:
                if unit:
                    break
                continue
            unit = word
        found.append((value, unit, match.start()))
    # "11 and 7 languages": a number without its own unit counts what the next one counts
    for i in range(len(found) - 2, -1, -1):
        value, unit, start = found[i]
        following = text[start : found[i + 1][2]]
        if re.fullmatch(r"[\d.,%\s]*(?:and|or|,)\s*", following.split(" ", 1)[-1] + " "):
            found[i] = (value, found[i + 1][1], start)
    return [f for f in found if f[1]]


def _bound_numbers(text: str) -> dict[tuple[str, str], tuple[set[float], str]]:
    """{(name, unit): values}: each number with what it counts and the names it belongs to:
    those of its own clause ("XQuAD-R covers 11 languages" -> (xquadr, langu): {11}), or in
    order for parallel lists ("A and B have 11 and 7 languages, respectively", "For A (B),
    there are 11 and 7 languages"). Keys are spelling-free (name key, unit stem); each value
    comes with how the text says it ("XQuAD-R … languages")."""
    folded = _fold(text)
    out: dict[tuple[str, str], tuple[set[float], str]] = {}

    def bind(name: str, unit: str, value: float) -> None:
        if _name_key(name) == _name_key(unit):
            return  # "71.2 mAP": the name is what the number counts, not whose it is
        key = (_name_key(name), unit.lower()[:5])
        out.setdefault(key, (set(), f"{name} … {unit}"))[0].add(value)

    listed = _ordered_names(folded)
    counted = _counted(folded)
    parallel = "respectively" in folded.lower() or re.search(r"\w\s*\([^()]*\w[^()]*\)", folded)
    if parallel and len(listed) >= 2 and len(counted) >= 2:
        units = {u.lower()[:5]: u for _, u, _ in counted}
        for stem, unit in units.items():
            values = [v for v, u, _ in counted if u.lower()[:5] == stem]
            if len(values) == len(listed):
                for name, value in zip(listed, values, strict=True):
                    bind(name, unit, value)
        if out:
            return out
    for clause in _CLAUSE.split(folded):
        clause_names = sorted(names(clause))
        for value, unit, _ in _counted(clause) if clause_names else ():
            for name in clause_names:
                bind(name, unit, value)
    return out


def number_binding_conflict(claim: str, evidence: str) -> str | None:
    """A number the claim binds to a name and unit, which the evidence binds to the same name
    and unit with another value only (swapped or changed counts)."""
    have = _bound_numbers(evidence)
    for key, (values, said) in sorted(_bound_numbers(claim).items()):
        other, said_there = have.get(key, (set(), ""))
        if other and not any(_same(a, b) for a in values for b in other):
            shown = lambda vs: "/".join(f"{v:g}" for v in sorted(vs))  # noqa: E731
            return (
                f"number_conflict: claim {said.replace('…', shown(values))}, "
                f"source {said_there.replace('…', shown(other))}"
            )
    return None


def _comparisons(text: str) -> set[tuple[str, str]]:
    out = set()
    for match in _COMPARE.finditer(_fold(text)):
        a, b = match.group("a").split()[-1], match.group("b").split()[0]
        out.add((_name_key(a), _name_key(b)))
    return out


def comparison_conflict(claim: str, evidence: str) -> str | None:
    """ "A outperforms B" in the claim, "B outperforms A" in the evidence."""
    reversed_in_source = {(b, a) for a, b in _comparisons(evidence)}
    for a, b in sorted(_comparisons(claim)):
        if a != b and (a, b) in reversed_in_source:
            return f"comparison_reversed: claim {a} over {b}, source {b} over {a}"
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z-]+", _fold(text).lower())


def _objects(words: list[str], directions: frozenset[str]) -> set[str]:
    """Content words (stems) right after a direction word: what goes up or down."""
    out = set()
    for i, word in enumerate(words):
        if word in directions:
            out |= {w[:5] for w in words[i + 1 : i + 5] if len(w) > 3}
    return out


def direction_conflict(claim: str, evidence: str) -> str | None:
    """The claim says an effect on something goes one way (increases, improves, higher) and
    the evidence, about the same things and the same object, says only the other way."""
    claim_words, evidence_words = _words(claim), _words(evidence)
    claim_up, claim_down = _UP.intersection(claim_words), _DOWN.intersection(claim_words)
    ev_up, ev_down = _UP.intersection(evidence_words), _DOWN.intersection(evidence_words)
    if claim_up and not claim_down and ev_down and not ev_up:
        claim_dir, source_dir = sorted(claim_up)[0], sorted(ev_down)[0]
        objects = _objects(claim_words, _UP) & _objects(evidence_words, _DOWN)
    elif claim_down and not claim_up and ev_up and not ev_down:
        claim_dir, source_dir = sorted(claim_down)[0], sorted(ev_up)[0]
        objects = _objects(claim_words, _DOWN) & _objects(evidence_words, _UP)
    else:
        return None
    if not objects:
        return None  # "improves accuracy" and "reduces cost" are about different things
    directions = _UP | _DOWN
    subject = {w[:5] for w in claim_words if len(w) > 3 and w not in directions}
    present = {w[:5] for w in evidence_words if len(w) > 3 and w not in directions}
    if not subject or len(subject & present) / len(subject) < DIRECTION_OVERLAP:
        return None
    if is_negated(claim) != is_negated(evidence):
        return None  # "does not reduce" vs "increases": negation is another check's business
    return f"direction_reversed: claim {claim_dir}, source {source_dir}"


def conflict(claim: str, evidence: str) -> str | None:
    """A rule-found incompatibility between claim and evidence (see the module docstring)."""
    return (
        number_binding_conflict(claim, evidence)
        or comparison_conflict(claim, evidence)
        or direction_conflict(claim, evidence)
    )
