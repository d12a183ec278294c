"""Labelled (claim, evidence) pairs for training and calibrating the verifier.

Sources, each split by document (article or paper), never by sentence:
- SciFact RTE (claims CC BY 4.0, rationales ODC-By): claim + gold rationale; entailment is
  `supported`, not_entailment is `contradicted` (every not_entailment pair is a CONTRADICT
  claim in the SciFact release).
- LAReQA data (XQuAD-R, CC BY-SA 4.0): a question's answer sentence in one language supports
  the same sentence in another language (`supported`, cross-lingual); another sentence of the
  same paragraph is topically close but says something else (`not_enough_info`).
- Rule-based edits of a supported claim give `contradicted` pairs; the rules, each named in
  the pair's `rule` field:
    number    a number changes (x2, +1, or -1 of its last digit);
    antonym   a direction word flips (increases/decreases, higher/lower, outperforms/
              underperforms, … see ANTONYMS);
    negation  "not" is inserted after the first auxiliary verb, or removed where present;
    swap      a dataset/model name is replaced by another name of the same document;
    order     "A and B …, respectively" swaps A and B.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synth.core.types import Label
from synth.retrieve.lareqa import LareqaSet
from synth.verify.guards import names

ANTONYMS = [
    ("increases", "decreases"),
    ("increase", "decrease"),
    ("increased", "decreased"),
    ("higher", "lower"),
    ("improves", "worsens"),
    ("improved", "worsened"),
    ("outperforms", "underperforms"),
    ("better", "worse"),
    ("more", "fewer"),
    ("larger", "smaller"),
    ("faster", "slower"),
    ("best", "worst"),
    ("reduces", "increases"),
    ("reduced", "increased"),
    ("positive", "negative"),
    ("above", "below"),
    ("maximum", "minimum"),
    ("gains", "losses"),
    ("enhances", "impairs"),
    ("promotes", "inhibits"),
    ("activates", "suppresses"),
    ("upregulates", "downregulates"),
    ("up-regulates", "down-regulates"),
    ("superior", "inferior"),
    ("strong", "weak"),
    ("high", "low"),
    ("greater", "less"),
    ("raises", "lowers"),
    ("longer", "shorter"),
]
_FLIP: dict[str, str] = {}
for _a, _b in ANTONYMS:  # the first pair naming a word decides its antonym
    _FLIP.setdefault(_a, _b)
    _FLIP.setdefault(_b, _a)
_AUXILIARIES = re.compile(
    r"\b(is|are|was|were|can|could|does|do|did|has|have|had|will|would|"
    r"should|may|might|must)\b(?! not)",
    re.I,
)
_NOT = re.compile(r"\s+not\b|n't\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w])")
_RESPECTIVELY = re.compile(r"(\w[\w.%-]*) and (\w[\w.%-]*)(?=[^.]*\brespectively\b)")


@dataclass(frozen=True, slots=True)
class Pair:
    claim: str
    evidence: str
    label: Label
    source: str  # scifact | lareqa | edit
    group: str  # the document the pair comes from (split key)
    claim_lang: str = "en"
    evidence_lang: str = "en"
    rule: str | None = None


def _match_case(word: str, like: str) -> str:
    if like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def edit_number(text: str, rng: np.random.Generator) -> str | None:
    found = [m for m in _NUMBER.finditer(text) if not re.fullmatch(r"(19|20)\d\d", m.group())]
    if not found:
        return None
    match = found[int(rng.integers(len(found)))]
    raw = match.group()
    value = float(raw)
    choice = int(rng.integers(3))
    new = value * 2 if choice == 0 else value + 1 if choice == 1 else max(0.0, value - 1)
    if new == value:
        new = value + 1
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    replacement = f"{new:.{decimals}f}"
    return text[: match.start()] + replacement + text[match.end() :]


def edit_antonym(text: str, rng: np.random.Generator) -> str | None:
    words = [m for m in re.finditer(r"[A-Za-z-]+", text) if m.group().lower() in _FLIP]
    if not words:
        return None
    match = words[int(rng.integers(len(words)))]
    flipped = _match_case(_FLIP[match.group().lower()], match.group())
    return text[: match.start()] + flipped + text[match.end() :]


def edit_negation(text: str, rng: np.random.Generator) -> str | None:
    if _NOT.search(text):
        return _NOT.sub("", text, count=1)
    match = _AUXILIARIES.search(text)
    if match is None:
        return None
    return text[: match.end()] + " not" + text[match.end() :]


def edit_swap(text: str, rng: np.random.Generator, others: Sequence[str]) -> str | None:
    mine = sorted(names(text))
    pool = sorted(set(others) - set(mine))
    if not mine or not pool:
        return None
    old = mine[int(rng.integers(len(mine)))]
    new = pool[int(rng.integers(len(pool)))]
    return text.replace(old, new, 1)


def edit_order(text: str, rng: np.random.Generator) -> str | None:
    match = _RESPECTIVELY.search(text)
    if match is None or match.group(1) == match.group(2):
        return None
    swapped = f"{match.group(2)} and {match.group(1)}"
    return text[: match.start()] + swapped + text[match.end() :]


RULES = ("number", "antonym", "negation", "swap", "order")


def contradict(
    text: str, rng: np.random.Generator, other_names: Sequence[str] = ()
) -> tuple[str, str] | None:
    """A contradicting edit of `text` by a randomly ordered try of every rule."""
    for rule in rng.permutation(RULES):
        if rule == "swap":
            edited = edit_swap(text, rng, other_names)
        else:
            edited = {
                "number": edit_number,
                "antonym": edit_antonym,
                "negation": edit_negation,
                "order": edit_order,
            }[str(rule)](text, rng)
        if edited and edited != text:
            return edited, str(rule)
    return None


def scifact_pairs(directory: Path, split: str) -> list[Pair]:
    """SciFact RTE pairs of a split (`train` or `dev`); group = the claim's cited document."""
    claims_doc = {}
    for line in (directory / "claims" / f"claims_{split}.jsonl").read_text().splitlines():
        record = json.loads(line)
        claims_doc[record["claim"].strip()] = str(record.get("cited_doc_ids", ["?"])[0])
    pairs = []
    with (directory / "rte" / f"{split}.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            claim = row["sentence2"].strip()
            label = Label.SUPPORTED if row["entailment"] == "entailment" else Label.CONTRADICTED
            pairs.append(
                Pair(
                    claim,
                    row["sentence1"].strip(),
                    label,
                    "scifact",
                    f"scifact:{claims_doc.get(claim, claim[:40])}",
                )
            )
    return pairs


def lareqa_pairs(
    data: LareqaSet, split: str, rng: np.random.Generator, per_question: int = 1
) -> list[Pair]:
    """Supported (translation), not-enough-info (sibling) and contradicted (edit) pairs."""
    by_paragraph: dict[tuple[str, int, int], list[int]] = {}
    for s in data.sentences:
        by_paragraph.setdefault((s.lang, s.article, s.paragraph), []).append(s.index)
    article_names: dict[int, list[str]] = {}
    for s in data.sentences:
        if s.lang == "en":
            article_names.setdefault(s.article, []).extend(sorted(names(s.text)))
    pairs: list[Pair] = []
    seen: set[str] = set()
    for question in data.questions_in(split):
        if question.qid in seen or len(question.answers) < 2:
            continue
        seen.add(question.qid)
        langs = sorted(question.answers)
        for _ in range(per_question):
            a, b = (langs[int(i)] for i in rng.choice(len(langs), 2, replace=False))
            claim = data.sentences[question.answers[a]]
            evidence = data.sentences[question.answers[b]]
            group = f"lareqa:{claim.article}"
            pairs.append(Pair(claim.text, evidence.text, Label.SUPPORTED, "lareqa", group, a, b))
            siblings = [
                i
                for i in by_paragraph[(b, evidence.article, evidence.paragraph)]
                if i != evidence.index
            ]
            if siblings:
                other = data.sentences[siblings[int(rng.integers(len(siblings)))]]
                pairs.append(
                    Pair(claim.text, other.text, Label.NOT_ENOUGH_INFO, "lareqa", group, a, b)
                )
            edited = contradict(claim.text, rng, article_names.get(claim.article, []))
            if edited:
                pairs.append(
                    Pair(
                        edited[0],
                        evidence.text,
                        Label.CONTRADICTED,
                        "edit",
                        group,
                        a,
                        b,
                        rule=edited[1],
                    )
                )
    return pairs


def edited_pairs(pairs: Iterable[Pair], rng: np.random.Generator) -> list[Pair]:
    """A contradicting edit of every supported pair's claim that some rule applies to."""
    out = []
    for pair in pairs:
        if pair.label is not Label.SUPPORTED:
            continue
        edited = contradict(pair.claim, rng, sorted(names(pair.evidence)))
        if edited:
            out.append(
                Pair(
                    edited[0],
                    pair.evidence,
                    Label.CONTRADICTED,
                    "edit",
                    pair.group,
                    pair.claim_lang,
                    pair.evidence_lang,
                    rule=edited[1],
                )
            )
    return out


def _bucket(key: str, seed: int) -> float:
    """A stable number in [0, 1) per document: splits never depend on sentence order."""
    import hashlib

    return int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:8], 16) / 16**8


def unarxive_pairs(
    records: Iterable[dict], rng: np.random.Generator, *, per_paper: int = 30
) -> list[Pair]:
    """Pairs from full-text papers: a claim cut at 120 characters (as report producers cut
    them) or whole is supported by its sentence; an edit of it is contradicted; a neighbouring
    sentence of the same paragraph does not settle it."""
    from synth.parse.sentences import sentence_spans
    from synth.parse.text_sources import unarxive_doc

    pairs: list[Pair] = []
    for record in records:
        doc = unarxive_doc(record)
        group = f"paper:{doc.paper.id}"
        found: list[tuple[str, list[str]]] = []
        for page in doc.pages:
            sentences = [page.text[s:e] for s, e in sentence_spans(page.text)]
            for i, sentence in enumerate(sentences):
                letters = sum(ch.isalpha() for ch in sentence)
                if (
                    60 <= len(sentence) <= 400
                    and letters / len(sentence) > 0.7
                    and "$" not in sentence
                ):
                    found.append((sentence, sentences[:i] + sentences[i + 1 :]))
        names_here = sorted({n for s, _ in found for n in names(s)})
        for index in rng.permutation(len(found))[:per_paper]:
            sentence, others = found[int(index)]
            claim = sentence
            if len(sentence) > 120 and rng.random() < 0.5:
                claim = sentence[:120]
            pairs.append(Pair(claim, sentence, Label.SUPPORTED, "unarxive", group))
            edited = contradict(sentence, rng, names_here)
            if edited:
                pairs.append(
                    Pair(edited[0], sentence, Label.CONTRADICTED, "edit", group, rule=edited[1])
                )
            if others:
                other = others[int(rng.integers(len(others)))]
                pairs.append(Pair(claim, other, Label.NOT_ENOUGH_INFO, "unarxive", group))
    return pairs


def build_pairs(
    scifact_dir: Path, lareqa_dirs: Sequence[Path], fulltext_records: Sequence[dict], seed: int = 0
) -> dict[str, list[Pair]]:
    """Every split the verifier needs, split by document:

    - `train`: SciFact RTE train (75% of cited documents) with rule edits of its supported
      claims, LAReQA train articles, 70% of the full-text papers;
    - `calibration`: the other 25% of SciFact RTE train documents, LAReQA dev articles, 15% of
      the papers — for fitting the temperature and choosing the checkpoint;
    - `generated_test`: LAReQA test articles and the last 15% of the papers (a sanity check
      that shares its construction with training);
    - `scifact_dev`: SciFact RTE dev, for reporting only.
    """
    from synth.retrieve.lareqa import load_lareqa

    rng = np.random.default_rng(seed)
    splits: dict[str, list[Pair]] = {"train": [], "calibration": [], "generated_test": []}
    for pair in scifact_pairs(scifact_dir, "train"):
        part = "train" if _bucket(pair.group, seed) < 0.75 else "calibration"
        splits[part].append(pair)
    splits["train"] += edited_pairs(splits["train"], rng)
    for directory in lareqa_dirs:
        data = load_lareqa(directory)
        splits["train"] += lareqa_pairs(data, "train", rng)
        splits["calibration"] += lareqa_pairs(data, "dev", rng)
        splits["generated_test"] += lareqa_pairs(data, "test", rng)
    by_part: dict[str, list[dict]] = {"train": [], "calibration": [], "generated_test": []}
    for record in fulltext_records:
        b = _bucket(str(record["paper_id"]), seed)
        by_part["train" if b < 0.7 else "calibration" if b < 0.85 else "generated_test"].append(
            record
        )
    for part, records in by_part.items():
        splits[part] += unarxive_pairs(records, rng)
    splits["scifact_dev"] = scifact_pairs(scifact_dir, "dev")
    return splits
