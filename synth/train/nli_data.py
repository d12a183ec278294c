"""The verifier-v4 training mixture: human-labelled NLI and claim-verification pairs in five
languages (`../shared/data/nli`), Tatoeba translation pairs across languages, and the
SciFact / LAReQA / full-text pairs of `verifier_data.build_pairs`.

Labels: entailment / SUPPORT → supported, contradiction / REFUTE → contradicted, neutral /
NOTENOUGHINFO → not enough info. Every pair's `source` names its set.

Counts with the shared data, seed 0 (`python -m synth.train.nli_data ../shared/data/nli` prints
them). "dev" is the whole dev side: `calibration` keeps 720 of it, stratified by source
(evaluated every `eval_every` steps: ~33 s on one core, fp32, 128 tokens; 1,200 took 55 s),
`dev_rest` the others (never trained on).

    source       lang        license                  train   dev  what trains / what is dev
    snli         en          CC BY-SA 4.0             17772  1894  dev+test detokenized / 10%
    indonli      id          no grant; CC BY-SA(*)    15515  2197  train+test_lay+test_expert / val
    farstail     fa          Apache-2.0                8830  1537  train+test / val
    klue_nli     ko          CC BY-SA 4.0              2715   285  dev / 10%
    jnli         ja          CC BY-SA 4.0              4460   482  valid+test / 10%
    check_covid  en          MIT (CORD-19 abstracts)   1064   207  train / dev (test never)
    tatoeba      24 langs    CC BY 2.0 FR (**)         2460   216  cross-lingual / 10%
    scifact      en          CC BY 4.0 / ODC-By         430   134  `build_pairs` (dev never)
    lareqa       11 langs    CC BY-SA 4.0              1816   175  `build_pairs`
    edit         en, 11      (rule edits of the above) 1617   192  `build_pairs` (*3)
    unarxive     en          CC BY 4.0 / BY-SA / CC0   2061   324  `build_pairs`
    total                                             58740  7643

(*) IndoNLI has no dataset license; its premise sources are CC BY-SA 3.0/4.0 and Apache-2.0:
say so in the model card. (**) Attribute Tatoeba and the LASER authors. The Tatoeba share is
kept modest (~4%): per language 80 sentences, each a supported pair plus, where a similar
sentence exists, a not-enough-info pair. (*3) Two rule edits of SciFact train claims are word
for word SciFact dev claims; `build_mixture` drops them.

Dev slices (10%) are taken by premise (every hypothesis of a premise on one side, Tatoeba: by
English sentence), a stricter key than the pair: the same pair, or the same premise, never
lands in both splits, whatever the row order. Sets with an official validation split use it
instead. Test splits of the permissive sets are trained on: they are not synth's benchmarks.

Never read for training or selection: XNLI (CC BY-NC 4.0, measurement only), Check-COVID test
(a benchmark), SciFact dev (reporting only; `build_pairs` keeps it as `scifact_dev`). Check-COVID
train pairs whose evidence text also serves a dev or test claim are dropped (4 pairs), so no
test text reaches training (the test rows are read for that exclusion only).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from synth.core.types import Label
from synth.train.verifier_data import Pair, _bucket, build_pairs

NLI_LABELS = {
    "entailment": Label.SUPPORTED,
    "e": Label.SUPPORTED,
    "SUPPORT": Label.SUPPORTED,
    "contradiction": Label.CONTRADICTED,
    "c": Label.CONTRADICTED,
    "REFUTE": Label.CONTRADICTED,
    "neutral": Label.NOT_ENOUGH_INFO,
    "n": Label.NOT_ENOUGH_INFO,
    "NOTENOUGHINFO": Label.NOT_ENOUGH_INFO,
}
DEV_SHARE = 0.10
MAX_NEI_SIMILARITY = 0.4  # content-word Jaccard; above it paraphrases slip in
# Tatoeba codes → the ISO 639-1 codes Pair uses: the XQuAD-R and NLI languages plus a few
# widely used ones. Their Tatoeba bitext-retrieval scores are no longer zero-shot for v4.
TATOEBA_LANGS = {
    "ara": "ar",
    "ben": "bn",
    "bul": "bg",
    "cmn": "zh",
    "deu": "de",
    "ell": "el",
    "fra": "fr",
    "hin": "hi",
    "ind": "id",
    "ita": "it",
    "jpn": "ja",
    "kor": "ko",
    "nld": "nl",
    "pes": "fa",
    "pol": "pl",
    "por": "pt",
    "rus": "ru",
    "spa": "es",
    "swh": "sw",
    "tha": "th",
    "tur": "tr",
    "ukr": "uk",
    "urd": "ur",
    "vie": "vi",
}


@dataclass
class ReadStats:
    """What a reader repaired or left out, per set (reported, never silent)."""

    repaired: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)


def label_of(raw: str) -> Label | None:
    """The three-way label of a set's gold label; None for "-" (no annotator majority)."""
    return NLI_LABELS.get(raw.strip())


_DETOK = [
    (re.compile(r"``\s*(.*?)\s*''"), r'"\1"'),  # PTB quotes around a span
    (re.compile(r"(``|'')"), '"'),  # an unbalanced one
    (re.compile(r"\(\s+"), "("),
    (re.compile(r"\s+\)"), ")"),
    (re.compile(r"\[\s+"), "["),
    (re.compile(r"\s+\]"), "]"),
    (re.compile(r"\s+([.,;:!?%])"), r"\1"),
    (re.compile(r"\$\s+(?=\d)"), "$"),
    (
        re.compile(
            r"\b(ca|wo|do|does|did|is|are|was|were|have|has|had|could|would|should)\s+n't\b", re.I
        ),
        r"\1n't",
    ),
    (re.compile(r"\s+('s|'re|'ve|'ll|'d|'m|n't)\b", re.I), r"\1"),
    (re.compile(r"(?<=\s)'\s+([^']+?)\s+'(?=[\s.,;:!?]|$)"), r"'\1'"),  # 'a span'
    (re.compile(r"(?<=s)\s+'(?=\s|$)"), "'"),  # plural possessive: "dogs ' toys"
    (re.compile(r"\s{2,}"), " "),
]


def detokenize(text: str) -> str:
    """Undo the PTB-style tokenization of SNLI: "do n't" → "don't", "packages ." →
    "packages.", `` x '' → "x", "( x )" → "(x)"."""
    text = text.strip()
    for pattern, replacement in _DETOK:
        text = pattern.sub(replacement, text)
    return text.strip()


def _pair(claim: str, evidence: str, label: Label, source: str, group: str, lang: str) -> Pair:
    return Pair(claim.strip(), evidence.strip(), label, source, f"{source}:{group}", lang, lang)


def snli_pairs(directory: Path, split: str, stats: ReadStats | None = None) -> list[Pair]:
    """SNLI `dev` or `test`, detokenized; rows without a gold label are skipped."""
    stats = stats or ReadStats()
    pairs = []
    path = directory / f"snli_{split}_tokenized.tsv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            label = label_of(row["label"])
            if label is None:
                stats.dropped["snli: no gold label"] += 1
                continue
            premise = detokenize(row["premise"])
            pairs.append(
                _pair(detokenize(row["hypothesis"]), premise, label, "snli", premise, "en")
            )
    return pairs


def indonli_pairs(directory: Path, split: str) -> list[Pair]:
    """IndoNLI `train`, `val`, `test_lay` or `test_expert`."""
    return _jsonl_pairs(directory / f"{split}.jsonl", "hypothesis", "premise", "indonli", "id")


def _jsonl_pairs(path: Path, claim: str, premise: str, source: str, lang: str) -> list[Pair]:
    """JSON lines whose `claim` field is checked against their `premise` field."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            label = NLI_LABELS[r["label"]]
            pairs.append(_pair(r[claim], r[premise], label, source, r[premise], lang))
    return pairs


def _unquote(field: str) -> str:
    """A CSV-quoted field ("…""x""…") as its text; other fields as they are."""
    field = field.strip()
    if len(field) >= 2 and field.startswith('"') and field.endswith('"'):
        field = field[1:-1].replace('""', '"')
    return field.strip()


def farstail_row(fields: list[str], extra: int) -> tuple[str, str, str] | None:
    """(premise, hypothesis, label) of a FarsTail row split on tabs; `extra` columns follow the
    label (test has two). Rows with stray tabs are repaired: a premise quoted over several
    bullet lines ("…•\\t…\\t…\\") is joined with spaces, a lone quote column is dropped."""
    fields = fields[: len(fields) - extra] if extra else fields
    if len(fields) < 3:
        return None
    *premise_parts, hypothesis, raw = fields
    premise_parts = [p.strip() for p in premise_parts if p.strip() not in ('"', "")]
    premise, hypothesis = _unquote(" ".join(premise_parts)), _unquote(hypothesis)
    if not premise or not hypothesis or label_of(raw) is None:
        return None
    return premise, hypothesis, raw


def farstail_pairs(directory: Path, split: str, stats: ReadStats | None = None) -> list[Pair]:
    """FarsTail `Train`, `Val` or `Test` (tab-separated, no quoting convention)."""
    stats = stats or ReadStats()
    lines = (directory / f"{split}-word.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    extra = len(header) - 3
    pairs = []
    for line in lines[1:]:
        if not line.strip():
            continue
        fields = line.split("\t")
        row = farstail_row(fields, extra)
        if row is None:
            stats.dropped[f"farstail {split}: unreadable row"] += 1
            continue
        if len(fields) != len(header):
            stats.repaired[f"farstail {split}: stray tabs"] += 1
        premise, hypothesis, raw = row
        pairs.append(_pair(hypothesis, premise, NLI_LABELS[raw], "farstail", premise, "fa"))
    return pairs


def klue_pairs(directory: Path) -> list[Pair]:
    """KLUE-NLI v1.1 dev (the train file is not in the snapshot)."""
    records = json.loads((directory / "klue-nli-v1.1_dev.json").read_text(encoding="utf-8"))
    return [
        _pair(
            r["hypothesis"],
            r["premise"],
            NLI_LABELS[r["gold_label"]],
            "klue_nli",
            r["premise"],
            "ko",
        )
        for r in records
        if label_of(r["gold_label"]) is not None
    ]


def jnli_pairs(directory: Path, split: str) -> list[Pair]:
    """JNLI v1.3 `valid` or `test` (JSON lines; sentence1 is the premise)."""
    return _jsonl_pairs(directory / f"{split}-v1.3.json", "sentence2", "sentence1", "jnli", "ja")


def check_covid_pairs(directory: Path, split: str, stats: ReadStats | None = None) -> list[Pair]:
    """Check-COVID `train` or `dev` (evidence = the cited abstract's evidence sentences); group =
    the news article. The test split is refused: it is a benchmark. Train pairs whose evidence
    text also serves a dev or test claim are dropped."""
    if split not in ("train", "dev"):
        raise ValueError(f"Check-COVID {split!r} is a benchmark split: never read for training")
    stats = stats or ReadStats()
    with (directory / "pairs_flat.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    held_out = {r["evidence"] for r in rows if r["split"] != "train"}
    pairs = []
    for r in rows:
        if r["split"] != split:
            continue
        if split == "train" and r["evidence"] in held_out:
            stats.dropped["check_covid train: evidence shared with dev/test"] += 1
            continue
        article = r["id"].rsplit("_", 1)[0]
        pairs.append(
            _pair(r["claim"], r["evidence"], NLI_LABELS[r["label"]], "check_covid", article, "en")
        )
    return pairs


_STOP = frozenset(
    "the a an is are was were be been to of in on at for and or but it its this that these those "
    "he she they we you i me my his her their our your him them us do does did have has had will "
    "would can could should may might must what who where when why how there here with from by as "
    "so if than then very just too also all any some like get got tom mary".split()
)
_NEGATION = re.compile(r"\b(not|no|never|nobody|nothing|none|neither|nor)\b|n't\b", re.I)


def _content(text: str) -> set[str]:
    """Content words cut to 5 letters, a crude stem: "studying" and "study" are one word."""
    return {w[:5] for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in _STOP}


class _SimilarPool:
    """Sentences of one evidence language with their English meaning, searchable for one that
    is on the same topic but says something else: it shares a content word with the claim's
    English, each side has at least two content words the other lacks, and neither is negated
    (a negation would make a contradiction, not "not enough info"). Best = highest Jaccard up
    to MAX_NEI_SIMILARITY: Tatoeba holds many paraphrases ("went to Italy to study music" /
    "… for the purpose of studying music"), and those would be supported, not NEI."""

    def __init__(self, rows: Iterable[tuple[str, str]], seed: int) -> None:
        self.rows = list(dict.fromkeys((e.strip(), t.strip()) for e, t in rows if e.strip()))
        self.words = [_content(e) for e, _ in self.rows]
        self.dev = [_bucket(f"tatoeba:{e}", seed) < DEV_SHARE for e, _ in self.rows]
        self.index: dict[str, list[int]] = defaultdict(list)
        for k, (e, _) in enumerate(self.rows):
            if not _NEGATION.search(e):
                for w in self.words[k]:
                    self.index[w].append(k)

    def similar(self, english: str, dev: bool) -> str | None:
        mine = _content(english)
        if _NEGATION.search(english) or len(mine) < 2:
            return None
        best, best_score = None, 0.0
        for k in sorted({k for w in mine for k in self.index.get(w, ())}):
            theirs = self.words[k]
            if self.dev[k] != dev or len(mine - theirs) < 2 or len(theirs - mine) < 2:
                continue
            score = len(mine & theirs) / len(mine | theirs)
            if score > best_score and score <= MAX_NEI_SIMILARITY:
                best, best_score = k, score
        return None if best is None else self.rows[best][1]


def tatoeba_pairs(
    directory: Path, seed: int = 0, per_language: int = 80, languages: Iterable[str] = TATOEBA_LANGS
) -> list[Pair]:
    """Cross-lingual pairs: a sentence in one language as the claim, its translation in another
    as the evidence (supported); a similar but different sentence in the evidence's language
    (`_SimilarPool`) as the evidence (not enough info). The other language is English, or —
    where the same English sentence is translated in two chosen languages — half the time that
    third language. group = the English sentence; its dev bucket decides the side of both
    pairs, and the not-enough-info evidence comes from the same side."""
    rng = np.random.default_rng(seed)
    texts: dict[str, tuple[list[str], list[str]]] = {}
    by_english: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for code in languages:
        english = (directory / f"tatoeba.{code}-eng.eng").read_text(encoding="utf-8").splitlines()
        other = (directory / f"tatoeba.{code}-eng.{code}").read_text(encoding="utf-8").splitlines()
        texts[code] = (english, other)
        for k, e in enumerate(english):
            by_english[e.strip()].append((code, k))
    pools = {
        TATOEBA_LANGS[c]: _SimilarPool(zip(e, o, strict=False), seed) for c, (e, o) in texts.items()
    }
    # English evidence can come from the English side of every chosen language
    pools["en"] = _SimilarPool(((s, s) for english, _ in texts.values() for s in english), seed)
    pairs = []
    for code, (english, other) in texts.items():
        usable = [
            k
            for k in range(min(len(english), len(other)))
            if english[k].strip() and other[k].strip()
        ]
        lang = TATOEBA_LANGS[code]
        for i in rng.permutation(usable)[:per_language]:
            e = english[int(i)].strip()
            group = f"tatoeba:{e}"
            third = [(c, k) for c, k in by_english[e] if c != code]
            if third and rng.random() < 0.5:
                c, k = third[int(rng.integers(len(third)))]
                target_lang, target = TATOEBA_LANGS[c], texts[c][1][k].strip()
            else:
                target_lang, target = "en", e
            (claim, claim_lang), (evidence, evidence_lang) = (
                (other[int(i)].strip(), lang),
                (target, target_lang),
            )
            if rng.random() < 0.5:  # both directions: the claim is not always the non-English side
                (claim, claim_lang), (evidence, evidence_lang) = (
                    (evidence, evidence_lang),
                    (claim, claim_lang),
                )
            pairs.append(
                Pair(claim, evidence, Label.SUPPORTED, "tatoeba", group, claim_lang, evidence_lang)
            )
            dev = _bucket(group, seed) < DEV_SHARE
            unrelated = pools[evidence_lang].similar(e, dev)
            if unrelated:
                pairs.append(
                    Pair(
                        claim,
                        unrelated,
                        Label.NOT_ENOUGH_INFO,
                        "tatoeba",
                        group,
                        claim_lang,
                        evidence_lang,
                    )
                )
    return pairs


def nli_sets(
    nli_dir: Path, tatoeba_dir: Path | None, seed: int = 0, stats: ReadStats | None = None
) -> dict[str, dict[str, list[Pair]]]:
    """Every set's pairs as {source: {"train": …, "dev": …}}. Sets with an official dev split
    (IndoNLI and FarsTail val, Check-COVID dev) use it; the others give a 10% slice by premise."""
    stats = stats or ReadStats()
    sliced: dict[str, list[Pair]] = {
        "snli": snli_pairs(nli_dir / "snli_esnli", "dev", stats)
        + snli_pairs(nli_dir / "snli_esnli", "test", stats),
        "klue_nli": klue_pairs(nli_dir / "klue_nli"),
        "jnli": jnli_pairs(nli_dir / "jnli", "valid") + jnli_pairs(nli_dir / "jnli", "test"),
    }
    if tatoeba_dir is not None:
        sliced["tatoeba"] = tatoeba_pairs(tatoeba_dir, seed)
    sets: dict[str, dict[str, list[Pair]]] = {}
    for name, pairs in sliced.items():
        sets[name] = {"train": [], "dev": []}
        for pair in pairs:
            sets[name]["dev" if _bucket(pair.group, seed) < DEV_SHARE else "train"].append(pair)
    indo, fars, covid = nli_dir / "indonli", nli_dir / "farstail", nli_dir / "check_covid"
    sets["indonli"] = {
        "train": [p for s in ("train", "test_lay", "test_expert") for p in indonli_pairs(indo, s)],
        "dev": indonli_pairs(indo, "val"),
    }
    sets["farstail"] = {
        "train": farstail_pairs(fars, "Train", stats) + farstail_pairs(fars, "Test", stats),
        "dev": farstail_pairs(fars, "Val", stats),
    }
    sets["check_covid"] = {
        "train": check_covid_pairs(covid, "train", stats),
        "dev": check_covid_pairs(covid, "dev", stats),
    }
    return sets


def stratified(pairs: Sequence[Pair], size: int, seed: int = 0) -> tuple[list[Pair], list[Pair]]:
    """(kept, rest): `size` pairs with an equal share per source (a small source gives all it
    has and its unused share goes to the others), chosen by a stable hash of the pair."""
    by_source: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_source[p.source].append(p)
    for name in by_source:
        by_source[name].sort(key=lambda p: _bucket(f"{p.claim}\t{p.evidence}", seed))
    quota: dict[str, int] = dict.fromkeys(by_source, 0)
    left = size
    open_sources = sorted(by_source)
    while left > 0 and open_sources:
        share = max(1, left // len(open_sources))
        for name in list(open_sources):
            take = min(share, len(by_source[name]) - quota[name], left)
            quota[name] += take
            left -= take
            if quota[name] == len(by_source[name]):
                open_sources.remove(name)
            if left == 0:
                break
    kept = [p for name in sorted(by_source) for p in by_source[name][: quota[name]]]
    rest = [p for name in sorted(by_source) for p in by_source[name][quota[name] :]]
    return kept, rest


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def build_mixture(
    nli_dir: Path,
    scifact_dir: Path,
    lareqa_dirs: Sequence[Path],
    fulltext_records: Sequence[dict],
    *,
    tatoeba_dir: Path | None = None,
    seed: int = 0,
    calibration_size: int = 720,
    stats: ReadStats | None = None,
    extended: bool = False,
) -> dict[str, list[Pair]]:
    """The v4 mixture: `build_pairs` (SciFact, LAReQA, edits, full-text papers) plus every set
    of `nli_sets`. Splits:

    - `train`: every training pair;
    - `calibration`: `calibration_size` pairs of the dev side, stratified by source, evaluated
      every `eval_every` steps and used to fit the temperature (small, so an evaluation stays
      well under a minute on one core);
    - `dev_rest`: the rest of the dev side (never trained on; for later selection);
    - `generated_test`, `scifact_dev`: as `build_pairs` (reporting only).

    `tatoeba_dir` defaults to `tatoeba/` beside `nli_dir` when it exists. `extended` adds the
    v5 sets (`v5_sets`).
    """
    if tatoeba_dir is None and (nli_dir.parent / "tatoeba").is_dir():
        tatoeba_dir = nli_dir.parent / "tatoeba"
    stats = stats or ReadStats()
    splits = build_pairs(scifact_dir, lareqa_dirs, fulltext_records, seed)
    # A rule edit of a SciFact train claim can be word for word a SciFact dev claim (SciFact
    # wrote its contradictions as such edits): dev text stays out of training and selection.
    reserved = {_norm(p.claim) for p in splits["scifact_dev"]}
    for name in ("train", "calibration"):
        kept = [p for p in splits[name] if _norm(p.claim) not in reserved]
        stats.dropped[f"{name}: claim is a SciFact dev claim"] += len(splits[name]) - len(kept)
        splits[name] = kept
    dev = list(splits.pop("calibration"))
    sets = nli_sets(nli_dir, tatoeba_dir, seed, stats)
    if extended:
        sets |= v5_sets(nli_dir, seed)
    for parts in sets.values():
        splits["train"] += parts["train"]
        dev += parts["dev"]
    splits["calibration"], splits["dev_rest"] = stratified(dev, calibration_size, seed)
    return splits


def mixture_table(splits: dict[str, list[Pair]]) -> str:
    """Pairs per source and split, as printed by `python -m synth.train.nli_data`."""
    names = ("train", "calibration", "dev_rest")
    counts = {n: Counter(p.source for p in splits.get(n, [])) for n in names}
    sources = sorted(set().union(*counts.values()))
    lines = [f"{'source':14}" + "".join(f"{n:>13}" for n in names)]
    for s in sources:
        lines.append(f"{s:14}" + "".join(f"{counts[n][s]:>13}" for n in names))
    lines.append(f"{'total':14}" + "".join(f"{sum(counts[n].values()):>13}" for n in names))
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    from synth.fetch.corpus import iter_fulltext_records

    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/nli")
    read = ReadStats()
    built = build_mixture(
        root,
        root.parent / "scifact",
        [root.parent / "xquad-r"],
        list(iter_fulltext_records()),
        stats=read,
    )
    print(mixture_table(built))
    print("repaired:", dict(read.repaired))
    print("dropped:", dict(read.dropped))


# The v5 additions (issue 32): more genres, Wikipedia fact checking, legal text, one-word
# lexical contradictions, and claim-level hard negatives ------------------------------------
BREAKING_CONTRADICTIONS = 1500  # of 7,164: the set is skewed to contradictions
CLAIM_NEGATIVES = 2  # not-enough-info sentences per claim, from its own abstract


def mnli_pairs(directory: Path) -> list[Pair]:
    """MultiNLI dev matched (multi-genre English); group = premise."""
    pairs = []
    with (directory / "mnli_dev_matched.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            label = label_of(row["label"])
            if label is not None and row["premise"].strip() and row["hypothesis"].strip():
                pairs.append(
                    _pair(row["hypothesis"], row["premise"], label, "mnli", row["premise"], "en")
                )
    return pairs


def fever_symmetric_pairs(directory: Path) -> list[Pair]:
    """FEVER-Symmetric v0.2 dev (claim vs one Wikipedia sentence, detokenized; supports /
    refutes only); group = the claim (each claim comes twice). Its test split is never read."""
    pairs = []
    path = directory / "fever_symmetric_v0.2_dev.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        label = {"SUPPORTS": Label.SUPPORTED, "REFUTES": Label.CONTRADICTED}.get(r["gold_label"])
        if label is None:
            continue
        claim, evidence = detokenize(r["claim"]), detokenize(r["evidence"])
        pairs.append(_pair(claim, evidence, label, "fever_symmetric", claim, "en"))
    return pairs


def wice_pairs(directory: Path) -> list[Pair]:
    """WiCE oracle chunks, dev (a Wikipedia sentence vs the web page it cites): supported ->
    supported, partially / not supported -> not enough info (WiCE has no contradiction);
    group = the claim."""
    pairs = []
    with (directory / "wice_oracle_claim_dev.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            label = Label.SUPPORTED if row["wice_label"] == "supported" else Label.NOT_ENOUGH_INFO
            premise = re.sub(r"\(meta data\)[^\n]*", " ", row["premise"])
            pairs.append(_pair(row["hypothesis"], premise, label, "wice", row["claim_id"], "en"))
    return pairs


def breaking_nli_pairs(directory: Path, seed: int = 0) -> list[Pair]:
    """Breaking NLI (SNLI premises with one word replaced): every entailment and neutral
    pair and a seeded sample of BREAKING_CONTRADICTIONS contradictions; group = premise."""
    pairs = []
    with (directory / "breaking_nli.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            label = label_of(row["label"])
            if label is not None:
                pairs.append(
                    _pair(
                        row["hypothesis"],
                        row["premise"],
                        label,
                        "breaking_nli",
                        row["premise"],
                        "en",
                    )
                )
    contra = sorted(
        (p for p in pairs if p.label is Label.CONTRADICTED),
        key=lambda p: _bucket(p.claim + p.evidence, seed),
    )
    return [p for p in pairs if p.label is not Label.CONTRADICTED] + contra[
        :BREAKING_CONTRADICTIONS
    ]


def contract_nli_pairs(directory: Path) -> list[Pair]:
    """ContractNLI dev (NDAs): entailment / contradiction against the annotated evidence
    spans; not mentioned -> not enough info against the evidence spans of another hypothesis
    of the same contract (legal text about something else); group = the contract."""
    rows = [
        json.loads(line)
        for line in (directory / "contractnli_dev_pairs.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
    ]
    spans: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        if r["evidence_spans_text"].strip():
            spans[r["doc_id"]].append(r["evidence_spans_text"])
    pairs = []
    for r in rows:
        label = label_of(r["label"])
        if label is None:
            continue
        evidence = r["evidence_spans_text"].strip()
        if not evidence:
            others = spans.get(r["doc_id"], [])
            if not others:
                continue
            evidence = others[int(_bucket(r["hypothesis"], 0) * len(others))]
        pairs.append(
            _pair(r["hypothesis"], evidence, label, "contract_nli", str(r["doc_id"]), "en")
        )
    return pairs


def check_covid_negatives(directory: Path, split: str) -> list[Pair]:
    """Claim-level hard negatives: a Check-COVID claim against sentences of its own cited
    abstract that are not in its evidence set (on topic, yet not deciding it) -> not enough
    info, CLAIM_NEGATIVES per claim. Train or dev only; group = the news article."""
    if split not in ("train", "dev"):
        raise ValueError(f"Check-COVID {split!r} is a benchmark split: never read for training")
    corpus = {}
    for line in (directory / "corpus.json").read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            corpus[r["cord_id"]] = r["abstract"]
    name = (
        "covidCheck_train_composed+extracted.json"
        if split == "train"
        else ("covidCheck_dev_composed+extracted.json")
    )
    pairs = []
    for line in (directory / name).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        abstract = corpus.get(r["cord_id"])
        if not abstract:
            continue
        used = {e["sent_index"] for e in r.get("evidence_set") or []}
        rest = [s for i, s in enumerate(abstract) if i not in used and len(s) > 40]
        rest.sort(key=lambda s: _bucket(r["claim"] + s, 0))
        article = str(r["id"]).rsplit("_", 1)[0]
        for sentence in rest[:CLAIM_NEGATIVES]:
            pairs.append(
                _pair(r["claim"], sentence, Label.NOT_ENOUGH_INFO, "check_covid_nei", article, "en")
            )
    return pairs


def v5_sets(nli_dir: Path, seed: int = 0) -> dict[str, dict[str, list[Pair]]]:
    """The v5 additions as {source: {"train": …, "dev": …}}: 10% dev slices by group, Check-
    COVID negatives by the official split."""
    sliced = {
        "mnli": mnli_pairs(nli_dir / "mnli_dev_matched"),
        "fever_symmetric": fever_symmetric_pairs(nli_dir / "fever_symmetric"),
        "wice": wice_pairs(nli_dir / "wice"),
        "breaking_nli": breaking_nli_pairs(nli_dir / "breaking_nli", seed),
        "contract_nli": contract_nli_pairs(nli_dir / "contract_nli"),
    }
    sets: dict[str, dict[str, list[Pair]]] = {}
    for name, pairs in sliced.items():
        sets[name] = {"train": [], "dev": []}
        for pair in pairs:
            sets[name]["dev" if _bucket(pair.group, seed) < DEV_SHARE else "train"].append(pair)
    covid = nli_dir / "check_covid"
    sets["check_covid_nei"] = {
        "train": check_covid_negatives(covid, "train"),
        "dev": check_covid_negatives(covid, "dev"),
    }
    return sets
